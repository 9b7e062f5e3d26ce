import type { ProviderName } from '@newton/protocol';
import type { ReceiptOutcome, ReceiptSink, WebhookReceipt } from '../core/index.js';
import { type Logger, newRowId, redactUrl } from '../core/index.js';
import { numberOf } from '../core/whatsapp/phone.js';

const EXCERPT_CHARS = 2048;
const SECRET_KEYS =
  /^(apikey|token|access_token|secret|app_secret|verify_token|hub\.verify_token|jwt_key|authorization)$/i;

/** First bytes of a webhook body with credentials blanked, for an operator to read. */
export function bodyExcerpt(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  const text =
    typeof body === 'string'
      ? body
      : JSON.stringify(body, (key, value) => (SECRET_KEYS.test(key) && value ? '[redacted]' : value));
  // Evolution echoes the webhook URL (with its ?token=) in `destination`.
  const safe = redactUrl(text);
  return safe.length > EXCERPT_CHARS ? `${safe.slice(0, EXCERPT_CHARS)}…` : safe;
}

/**
 * The number a webhook came from as a receipt keeps it: E.164 digits without
 * `+`, the form instance numbers are stored in; null when it is not a number.
 */
export function senderDigits(value: string | null | undefined): string | null {
  if (!value) return null;
  return numberOf(value)?.slice(1) ?? null;
}

/**
 * True for Newton's own probe webhooks (diagnostics, trace id `probe-…`):
 * they do not show that the provider posts, so they leave `last_webhook_at` alone.
 */
export function isProbeTrace(traceId: string): boolean {
  return traceId.startsWith('probe-');
}

export interface ReceiptFields {
  event?: string | null;
  instanceName?: string | null;
  tenantId?: string | null;
  instanceId?: string | null;
  outcome: ReceiptOutcome;
  reason?: string | null;
  providerMessageId?: string | null;
  messageId?: string | null;
  /** The number the webhook came from, E.164 digits without `+` (see senderDigits). */
  senderNumber?: string | null;
  body?: unknown;
}

/** Writes webhook receipts for one provider; a failure to record is logged, never thrown. */
export class ReceiptRecorder {
  constructor(
    private readonly receipts: ReceiptSink,
    private readonly provider: ProviderName,
    private readonly logger: Logger,
  ) {}

  /** The receipt as it would be stored, for a caller that commits it itself. */
  build(traceId: string, receivedAt: number, bodySize: number, f: ReceiptFields): WebhookReceipt {
    return {
      id: newRowId(),
      receivedAt,
      provider: this.provider,
      event: f.event ?? null,
      instanceName: f.instanceName ?? null,
      tenantId: f.tenantId ?? null,
      instanceId: f.instanceId ?? null,
      outcome: f.outcome,
      reason: f.reason ?? null,
      providerMessageId: f.providerMessageId ?? null,
      messageId: f.messageId ?? null,
      traceId,
      bodySize,
      senderNumber: f.senderNumber ?? null,
      // Accepted webhooks are in the message table already; keep bodies only for the others.
      bodyExcerpt: f.outcome === 'accepted' ? null : bodyExcerpt(f.body),
    };
  }

  async record(traceId: string, receivedAt: number, bodySize: number, f: ReceiptFields): Promise<void> {
    try {
      await this.receipts.record(this.build(traceId, receivedAt, bodySize, f));
    } catch (err) {
      this.logger.error({ err, trace: traceId }, 'could not record webhook receipt');
    }
  }
}

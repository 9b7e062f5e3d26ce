import type { ReceiptOutcome, WebhookReceipt } from '../../core/index.js';
import { parse, str, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { RECEIPT_OUTCOMES, RECEIPTS } from '../help/commands.js';

const OUTCOMES: readonly ReceiptOutcome[] = RECEIPT_OUTCOMES;

/**
 * Lists webhook receipts, newest first: what arrived, where it went and why.
 * The operator's view of unroutable and rejected webhooks (docs/api.md §1.7).
 */
export async function receipts(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, RECEIPTS);
  const outcome = str(values, 'outcome');
  if (outcome !== undefined && !OUTCOMES.includes(outcome as ReceiptOutcome)) {
    throw new UsageError(`--outcome must be one of ${OUTCOMES.join(', ')}`);
  }
  const limit = Number(str(values, 'limit') ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be 1 to 1000');
  const store = await ctx.openStore();
  const tenantId = str(values, 'tenant');
  const instanceName = str(values, 'instance');
  const rows = await store.receipts.list({
    limit,
    ...(tenantId ? { tenantId } : {}),
    ...(instanceName ? { instanceName } : {}),
    ...(outcome ? { outcome } : {}),
  });
  if (values.json) {
    ctx.out(JSON.stringify(rows.map(receiptJson), null, 2));
    return 0;
  }
  for (const r of rows) {
    ctx.out(
      [
        new Date(r.receivedAt).toISOString(),
        r.outcome,
        r.event ?? '-',
        r.instanceName ?? '-',
        r.tenantId ?? '-',
        r.reason ?? '',
        `trace=${r.traceId}`,
      ].join('\t'),
    );
  }
  return 0;
}

/** `receipts --json`: one receipt in the API's snake_case, its time in ISO-8601. */
function receiptJson(r: WebhookReceipt): Record<string, unknown> {
  return {
    received_at: new Date(r.receivedAt).toISOString(),
    outcome: r.outcome,
    provider: r.provider,
    event: r.event,
    instance: r.instanceName,
    tenant_id: r.tenantId,
    reason: r.reason,
    trace_id: r.traceId,
    message_id: r.messageId,
    provider_message_id: r.providerMessageId,
    sender_number: r.senderNumber ?? null,
    body_size: r.bodySize,
  };
}

/**
 * The provider-neutral way to send: what the outbound pipeline asks of a
 * WhatsApp provider (Evolution, the Cloud API), and how a provider says no.
 * Provider clients know nothing of the store, sockets or HTTP routes; the
 * pipeline (pipeline/outbound.ts) owns retries, timeouts and statuses.
 */
import type { ProviderName } from '@newton/protocol';
import type { Instance } from './messages.js';

/** Who a reply goes to, as the conversation knows it. */
export interface SendTarget {
  /** E.164 with `+`, when the lead's number is known. */
  phone: string | null;
  /** WhatsApp LID digits (no `@lid`), when the lead was addressed by LID. */
  lid: string | null;
  /**
   * The JID the conversation last replied to / heard from (`…@s.whatsapp.net`
   * or `…@lid`); Evolution sends here. Null for providers that address by phone.
   */
  jid: string | null;
}

export interface SendTextRequest {
  /** The conversation's instance, with its credentials (never log them). */
  instance: Instance;
  to: SendTarget;
  /** 1..4096 characters. */
  text: string;
  /** Newton's message id, for providers that accept an idempotency/reference key. */
  messageId: string;
  /** The message this one quotes (Evolution `quoted`, Cloud `context.message_id`), when any. */
  quoted?: QuotedRef | undefined;
}

/** A message a reply quotes, as the provider needs it. */
export interface QuotedRef {
  /** The provider's id of the quoted message (Evolution `key.id`, Cloud `wamid…`). */
  providerMessageId: string;
  /** True when the quoted message was sent by the business (outbound). */
  fromMe: boolean;
  /** Its text or caption, when known (Evolution shows it in the quote bubble). */
  content: string | null;
}

/** Outbound media kinds; `voice` is an audio sent as a voice note (push-to-talk). */
export type OutboundMediaKind = 'image' | 'document' | 'audio' | 'voice';

export interface SendMediaRequest {
  instance: Instance;
  to: SendTarget;
  messageId: string;
  kind: OutboundMediaKind;
  /** The sniffed MIME type of `bytes`. */
  mimeType: string;
  bytes: Buffer;
  fileName: string | null;
  caption: string | null;
  quoted?: QuotedRef | undefined;
}

/** A Cloud API message template as `GET /{waba_id}/message_templates` lists it (approved ones). */
export interface MessageTemplate {
  id: string;
  name: string;
  /** e.g. `es`, `en_US`. */
  language: string;
  category: string;
  status: string;
  /** The body text with `{{1}}`… placeholders, when it has a body. */
  body: string | null;
  /** The body's placeholders in order: `1`, `2`… (positional) or names (`{{first_name}}`). */
  placeholders: string[];
  header: string | null;
  footer: string | null;
}

export interface SendTemplateRequest {
  instance: Instance;
  to: SendTarget;
  messageId: string;
  name: string;
  language: string;
  /** Values of the body's `{{1}}`, `{{2}}`… in order. */
  variables: string[];
  /** The body's placeholders (MessageTemplate.placeholders): names make the parameters named. */
  placeholders: string[];
}

export interface SendResult {
  /** The provider's id of the sent message (Evolution `key.id`, Cloud `wamid…`). */
  providerMessageId: string;
}

/** Why the provider will not take a reply right now (answered 409 before anything is stored). */
export interface ReplyRefusal {
  /** Stable code, e.g. `reply_window_closed`, `cannot_reply`. */
  code: string;
  message: string;
}

/** Facts about a conversation a provider may need to refuse a reply up front. */
export interface ReplyContext {
  /** Epoch ms of the lead's latest inbound message, null if none. */
  lastInboundAt: number | null;
  /** Epoch ms now. */
  now: number;
  to: SendTarget;
}

export interface ProviderClient {
  readonly provider: ProviderName;
  /**
   * Why this instance cannot send at all (no base URL, no credentials…), or
   * null when it can. Checked before the message is stored (→ 422 send_not_configured).
   */
  sendConfigProblem(instance: Instance): string | null;
  /**
   * Sends a text. Resolves with the provider's message id; rejects with a
   * ProviderSendError (anything else is treated as a retryable network error).
   * Must stop when `signal` aborts (the per-attempt timeout).
   */
  sendText(req: SendTextRequest, signal: AbortSignal): Promise<SendResult>;
  /** Refuses a reply up front (e.g. the Cloud API's 24 h window); null to allow. */
  replyBlocked?(ctx: ReplyContext): ReplyRefusal | null;
  /** Sends an image, document, audio or voice note (same contract as sendText). */
  sendMedia?(req: SendMediaRequest, signal: AbortSignal): Promise<SendResult>;
  /** Sends an approved template (Cloud API); the only message allowed outside the 24 h window. */
  sendTemplate?(req: SendTemplateRequest, signal: AbortSignal): Promise<SendResult>;
  /** The number's approved templates, straight from the provider (callers cache). */
  listTemplates?(instance: Instance, signal: AbortSignal): Promise<MessageTemplate[]>;
}

/**
 * Every code a failed send reports in `message_status.error.code`: one table,
 * so callers and agents' screens branch on the code, never on the text.
 */
export const SendErrorCode = {
  /** The provider did not answer within the per-attempt timeout (retryable). */
  TIMEOUT: 'timeout',
  /** The provider could not be reached at all (retryable). */
  PROVIDER_UNREACHABLE: 'provider_unreachable',
  /** The provider answered 5xx (retryable). */
  PROVIDER_UNAVAILABLE: 'provider_unavailable',
  /** The provider answered 429 (retryable, after Retry-After). */
  RATE_LIMITED: 'rate_limited',
  /** The provider refused the request (4xx; final). */
  PROVIDER_REJECTED: 'provider_rejected',
  /** The provider refused the instance's credentials (final). */
  PROVIDER_UNAUTHORIZED: 'provider_unauthorized',
  /** The provider answered 2xx without the message id it must give (final). */
  INVALID_PROVIDER_ANSWER: 'invalid_provider_answer',
  /** WhatsApp reported the message as not delivered. */
  PROVIDER_ERROR: 'provider_error',
  /** Outside the Cloud API's 24-hour window only templates may be sent. */
  REPLY_WINDOW_CLOSED: 'reply_window_closed',
  /** The conversation has no address this provider can send to. */
  CANNOT_REPLY: 'cannot_reply',
  /** The instance lacks a base URL or credentials. */
  SEND_NOT_CONFIGURED: 'send_not_configured',
  /** The file of a media reply is not in the media store any more. */
  MEDIA_UNAVAILABLE: 'media_unavailable',
} as const;

export type SendErrorCode = (typeof SendErrorCode)[keyof typeof SendErrorCode];

/** Why an instance cannot send at all, as a provider error tells it (see ProviderSendError). */
export interface InstanceProblem {
  /**
   * The state it puts the number in: `close` when the account or token cannot
   * send; `unknown` when Newton cannot reach the session to tell (a refused
   * provider API key). @default 'close'
   */
  state?: 'close' | 'unknown';
  /** Stable state reason, e.g. `token_invalid`, `account_restricted`. */
  reason: string;
  /** A sentence for an operator: what happened and what to do. */
  detail: string;
}

/**
 * A provider refused or failed a send. `retryable` says whether the same
 * request may succeed later (network error, timeout, 5xx, 429) or never will
 * (4xx: bad number, bad credentials, window closed).
 */
export class ProviderSendError extends Error {
  readonly retryable: boolean;
  /** HTTP status of the provider's answer, when there was one. */
  readonly status: number | undefined;
  /** Stable code for `message_status.error.code` (SendErrorCode). */
  readonly code: SendErrorCode;
  /** The provider's own reason text (safe to show an agent; never contains credentials). */
  readonly reason: string;
  /** Wait the provider asked for (429 Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;
  /**
   * Set when the error says the instance itself cannot send (its token is
   * invalid, its account is locked): the sender records the instance as
   * `close` with this reason code and operator sentence.
   */
  readonly instanceProblem: InstanceProblem | undefined;

  constructor(opts: {
    code: SendErrorCode;
    reason: string;
    retryable: boolean;
    status?: number | undefined;
    retryAfterMs?: number | undefined;
    instanceProblem?: InstanceProblem | undefined;
  }) {
    super(opts.reason);
    this.name = 'ProviderSendError';
    this.code = opts.code;
    this.reason = opts.reason;
    this.retryable = opts.retryable;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.instanceProblem = opts.instanceProblem;
  }
}

/**
 * Classifies an HTTP failure the way every provider client should: 429 and
 * 5xx are retryable, any other 4xx is final.
 */
export function httpSendError(status: number, reason: string, retryAfter?: string | null): ProviderSendError {
  const retryable = status === 429 || status >= 500;
  let retryAfterMs: number | undefined;
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs = seconds * 1000;
    else {
      const at = Date.parse(retryAfter);
      if (Number.isFinite(at)) retryAfterMs = Math.max(0, at - Date.now());
    }
  }
  const code =
    status === 429
      ? SendErrorCode.RATE_LIMITED
      : status >= 500
        ? SendErrorCode.PROVIDER_UNAVAILABLE
        : SendErrorCode.PROVIDER_REJECTED;
  return new ProviderSendError({ code, reason, retryable, status, retryAfterMs });
}

/** Turns a fetch failure (network error, abort by timeout) into a retryable ProviderSendError. */
export function networkSendError(err: unknown, timedOut: boolean): ProviderSendError {
  if (err instanceof ProviderSendError) return err;
  if (timedOut) {
    return new ProviderSendError({
      code: SendErrorCode.TIMEOUT,
      reason: 'the provider did not answer in time',
      retryable: true,
    });
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new ProviderSendError({
    code: SendErrorCode.PROVIDER_UNREACHABLE,
    reason: `could not reach the provider (${detail})`,
    retryable: true,
  });
}

/** Provider clients by provider name; the composition root (app.ts) fills it. */
export class ProviderRegistry {
  private readonly clients = new Map<ProviderName, ProviderClient>();

  register(client: ProviderClient): this {
    this.clients.set(client.provider, client);
    return this;
  }

  get(provider: ProviderName): ProviderClient | undefined {
    return this.clients.get(provider);
  }

  providers(): ProviderName[] {
    return [...this.clients.keys()];
  }
}

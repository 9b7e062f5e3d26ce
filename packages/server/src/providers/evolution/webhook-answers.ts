/**
 * The shapes of an Evolution webhook's answer and the three ways one is
 * made (internal to the Evolution adapter): `reply` for the whole webhook,
 * `answer` for an item that reached the store, `skip` for one that did not.
 */
import type { EditOutcome, Instance, Logger, ReceiptOutcome } from '../../core/index.js';
import { ErrorTable } from '../../core/index.js';
import type { ReceiptFields } from '../receipts.js';
import type { WebhookCredentials } from './auth.js';
import type { InlineMedia } from './inline-media.js';

export interface WebhookRequest {
  /** The parsed body, without the media it embedded (`inline`). */
  body: unknown;
  /** Media cut out of the body (`data.message.base64`), by `data` item. */
  inline?: InlineMedia[];
  /** Event name from a "webhook by events" URL (`messages-upsert`). */
  urlEvent: string | undefined;
  credentials: Omit<WebhookCredentials, 'bodyApikey'>;
  bodySize: number;
  traceId: string;
  receivedAt: number;
}

export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
}

export type Routed = {
  event: string;
  instanceName: string;
  tenantId: string;
  instanceId: string;
  senderNumber: string | null;
};
export type ItemReply = { status: number; outcome: ReceiptOutcome; body: Record<string, unknown> };
export type RecordItem = (f: ReceiptFields) => Promise<void>;
export type Skipped = { kind: 'invalid' | 'ignored'; reason: string; providerMessageId?: string | null };

export function reply(
  status: number,
  outcome: string,
  traceId: string,
  extra: Record<string, unknown>,
): WebhookReply {
  return { status, body: { ok: status < 300, outcome, trace_id: traceId, ...extra } };
}

/**
 * Records the receipt of an item that reached the store and answers it 200;
 * `body` follows the `outcome` both share.
 */
export async function answer(
  record: RecordItem,
  outcome: ReceiptOutcome,
  fields: Omit<ReceiptFields, 'outcome'>,
  body: Record<string, unknown>,
): Promise<ItemReply> {
  await record({ outcome, ...fields });
  return { status: 200, outcome, body: { outcome, ...body } };
}

/**
 * The answer to a change of a stored message (an edit, a reaction, a
 * deletion): `ignored` with why, `duplicate` when it was already so (no
 * event), else accepted with the change's seqs.
 */
export function changeAnswer(
  record: RecordItem,
  what: 'edit' | 'reaction' | 'deletion',
  providerMessageId: string,
  result: EditOutcome,
): Promise<ItemReply> {
  const isEdit = what === 'edit';
  if (result.outcome === 'ignored') {
    const reason = isEdit ? `edit: ${result.reason}` : result.reason;
    return answer(record, 'ignored', { reason, providerMessageId }, { reason: result.reason });
  }
  const messageId = result.messageId;
  if (result.outcome === 'unchanged') {
    const reason = `${what} already applied`;
    return answer(
      record,
      'duplicate',
      { reason, providerMessageId, messageId },
      { message_id: messageId, reason, seq: [] },
    );
  }
  return answer(
    record,
    'accepted',
    isEdit ? { providerMessageId, messageId } : { reason: what, providerMessageId, messageId },
    { message_id: messageId, [isEdit ? 'edited' : what]: true, seq: result.seq },
  );
}

/**
 * An item that is not stored: a malformed one is rejected (400, Evolution
 * drops it for good), an ignored one answered 200; both leave a receipt.
 */
export async function skip(
  item: Skipped,
  event: string,
  record: RecordItem,
  log: Logger,
): Promise<ItemReply> {
  if (item.kind === 'invalid') {
    log.warn({ reason: item.reason }, `webhook rejected: malformed ${event}`);
    await record({ outcome: 'rejected', reason: item.reason });
    return {
      status: 400,
      outcome: 'rejected',
      body: { outcome: 'rejected', error: ErrorTable.NEWTON_ERR_WEBHOOK_INVALID.code, reason: item.reason },
    };
  }
  const label =
    event === 'messages.update'
      ? 'status ignored'
      : event === 'messages.edited'
        ? 'edit ignored'
        : 'message ignored';
  log.info({ reason: item.reason, provider_message_id: item.providerMessageId }, label);
  const fields = { reason: item.reason, providerMessageId: item.providerMessageId };
  return answer(record, 'ignored', fields, { reason: item.reason });
}

/** What every item handler gets: the instance it was routed to and a receipt recorder bound to it. */
export interface ItemContext {
  instance: Instance;
  req: WebhookRequest;
  log: Logger;
  routed: Routed;
  record: RecordItem;
}

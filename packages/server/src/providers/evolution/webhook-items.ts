/**
 * One item of an Evolution webhook, routed and authenticated by
 * EvolutionWebhook (internal): a message (`messages.upsert`, `send.message`),
 * a status (`messages.update`), an edit (`messages.edited`; reactions and
 * deletions are handed to webhook-acts.ts) or a session
 * event (`connection.update`, `qrcode.updated`…). Each records its receipt.
 */
import type {
  EditSink,
  IngestSink,
  InstanceStateSink,
  MessageChangeSink,
  ReceiptOutcome,
  StatusSink,
} from '../../core/index.js';
import { ErrorTable } from '../../core/index.js';
import { isObj } from '../json-read.js';
import type { ReceiptRecorder } from '../receipts.js';
import { parseConnectionEvent, stateLabel } from './connection.js';
import { carriedEdit, parseEditItem } from './edits.js';
import { evolutionInbound } from './history.js';
import { adReferralOf } from './lead-events.js';
import { parseUpsertItem } from './parse.js';
import { parseStatusItem } from './statuses.js';
import type { EvolutionEnvelope } from './types.js';
import { actItem } from './webhook-acts.js';
import {
  answer,
  changeAnswer,
  type ItemContext,
  type ItemReply,
  reply,
  skip,
  type WebhookReply,
} from './webhook-answers.js';

export type { ItemContext } from './webhook-answers.js';

/**
 * One `messages.upsert`/`send.message` item (the `index`th of `data`): stored
 * with the media its webhook embedded, if any. Embedded media that cannot be
 * used never costs the message: it is stored without, and the receipt says why.
 */
export async function upsertItem(
  ctx: ItemContext,
  data: unknown,
  ingestor: IngestSink,
  receipts: ReceiptRecorder,
  index = 0,
  changes?: MessageChangeSink,
): Promise<ItemReply> {
  const { instance, req, log, routed, record } = ctx;
  const item = parseUpsertItem(data, req.receivedAt);
  if (item.kind === 'invalid' || item.kind === 'ignored') return skip(item, 'messages.upsert', record, log);
  if (item.kind === 'reaction' || item.kind === 'revoke') return actItem(ctx, item, changes);
  const providerMessageId = item.message.providerMessageId;
  const inline = req.inline?.find((m) => m.item === index);
  const message = evolutionInbound(item.message, instance);
  if (inline?.bytes) {
    message.inlineMedia = inline.bytes;
    if (inline.sha256) message.inlineMediaSha256 = inline.sha256;
  }
  if (inline?.error) {
    message.inlineMediaError = inline.error;
    log.warn(
      { provider_message_id: providerMessageId, reason: inline.error, chars: inline.chars },
      'embedded media not usable: the message is stored without it',
    );
  } else if (inline?.bytes) {
    log.info({ provider_message_id: providerMessageId, bytes: inline.bytes.byteLength }, 'embedded media');
  }
  // A message from a click-to-WhatsApp ad keeps the ad (and makes the lead's first touch, #13).
  const referral = message.direction === 'inbound' ? adReferralOf(data) : null;
  if (referral) message.extra = { ...message.extra, referral };
  const result = await ingestor.ingest(
    message,

    req.traceId,
    receipts.build(req.traceId, req.receivedAt, req.bodySize, {
      ...routed,
      outcome: 'accepted',
      providerMessageId,
      ...(inline?.error ? { reason: `${inline.error}: stored without its media` } : {}),
    }),
  );
  const outcome: ReceiptOutcome = result.outcome === 'stored' ? 'accepted' : 'duplicate';
  return {
    status: 200,
    outcome,
    body: {
      outcome,
      message_id: result.messageId,
      conversation_id: result.conversationId,
      seq: result.events.map((e) => e.seq),
      ...(result.outcome === 'echo' ? { echo: true } : {}),
    },
  };
}

/**
 * One `messages.update` item: a delivery status of a message the business
 * sent, or an edit when the item carries the edited message (`edits` given).
 */
export async function statusItem(
  ctx: ItemContext,
  data: unknown,
  statuses: StatusSink,
  edits?: EditSink,
): Promise<ItemReply> {
  const { instance, req, log, record } = ctx;
  const edit = edits && isObj(data) && data.status === undefined ? carriedEdit(data) : null;
  if (edit && edits) return editItem(ctx, edit, edits);
  const item = parseStatusItem(data);
  if (item.kind === 'invalid' || item.kind === 'ignored') return skip(item, 'messages.update', record, log);
  const result = await statuses.apply(
    {
      tenantId: instance.tenantId,
      instanceId: instance.id,
      providerMessageId: item.providerMessageId,
      status: item.status,
      error: item.error,
      at: req.receivedAt,
    },
    req.traceId,
  );
  const providerMessageId = item.providerMessageId;
  if (result.outcome === 'deferred') {
    const reason = 'message not known yet: status kept until it arrives';
    return answer(
      record,
      'accepted',
      { reason, providerMessageId },
      { status: item.status, reason, seq: [] },
    );
  }
  const messageId = result.messageId;
  if (result.outcome === 'stale') {
    const reason = `message is already ${result.status}`;
    return answer(
      record,
      'duplicate',
      { reason, providerMessageId, messageId },
      { message_id: messageId, status: result.status, reason, seq: [] },
    );
  }
  return answer(
    record,
    'accepted',
    { providerMessageId, messageId },
    { message_id: messageId, status: result.status, seq: [result.seq] },
  );
}

/**
 * One `messages.edited` item: the new text of a stored message. Its
 * `messages.update` twin (status DELETED) is ignored by status().
 */
export async function editItem(
  ctx: ItemContext,
  data: unknown,
  edits: EditSink,
  changes?: MessageChangeSink,
): Promise<ItemReply> {
  const { instance, req, log, record } = ctx;
  const item = parseEditItem(data);
  if (item.kind === 'invalid' || item.kind === 'ignored') return skip(item, 'messages.edited', record, log);
  // Evolution sends every protocolMessage here, a deletion for everyone (REVOKE) too.
  if (item.kind === 'revoke') return actItem(ctx, item, changes);
  const providerMessageId = item.providerMessageId;
  const result = await edits.apply(
    {
      tenantId: instance.tenantId,
      instanceId: instance.id,
      providerMessageId,
      text: item.text,
      at: item.at ?? req.receivedAt,
    },
    req.traceId,
  );
  return changeAnswer(record, 'edit', providerMessageId, result);
}

/**
 * A session webhook: the state it tells is recorded (an `instance_status`
 * event when it changed); the same state again is a `duplicate` receipt.
 */
export async function sessionItem(
  ctx: ItemContext,
  env: EvolutionEnvelope,
  states: InstanceStateSink,
): Promise<WebhookReply> {
  const { instance, req, log, record } = ctx;
  const item = parseConnectionEvent(env.event, env.data, instance.name);
  if (item.kind === 'invalid') {
    log.warn({ reason: item.reason }, `webhook rejected: malformed ${env.event}`);
    await record({ outcome: 'rejected', reason: item.reason });
    return reply(400, 'rejected', req.traceId, {
      error: ErrorTable.NEWTON_ERR_WEBHOOK_INVALID.code,
      reason: item.reason,
    });
  }
  if (item.kind === 'ignored') {
    await record({ outcome: 'ignored', reason: item.reason });
    return reply(200, 'ignored', req.traceId, { reason: item.reason });
  }
  const result = await states.record(
    {
      tenantId: instance.tenantId,
      instanceId: instance.id,
      state: item.state,
      reason: item.reason,
      detail: item.detail,
      // Never in the future: a skewed Evolution clock must not move `since` ahead.
      at: Math.min(item.at ?? req.receivedAt, req.receivedAt),
      source: 'webhook',
    },
    req.traceId,
  );
  const label = stateLabel(item.state, item.reason);
  if (result.outcome === 'unknown_instance') {
    const reason = `${label}: instance "${instance.name}" was removed meanwhile`;
    await record({ outcome: 'ignored', reason });
    return reply(200, 'ignored', req.traceId, { reason });
  }
  const changed = result.outcome === 'changed';
  const outcome: ReceiptOutcome = changed ? 'accepted' : 'duplicate';
  const reason = changed ? label : `${label}, already known`;
  log.info({ tenant: instance.tenantId, state: item.state, reason: item.reason, changed }, 'session webhook');
  await record({ outcome, reason });
  return reply(200, outcome, req.traceId, {
    reason,
    state: item.state,
    seq: result.outcome === 'changed' ? [result.seq] : [],
  });
}

/**
 * Message statuses in the store: forward-only transitions with their
 * `message_status` events, statuses that arrive before their message (kept in
 * `pending_statuses` and applied when it appears), the provider's answer to a
 * send, and the echo of a reply matched to the stored one. Every function
 * runs inside the caller's transaction; nothing here knows of providers.
 */
import type { EventBody, MessageError, MessageStatus } from '@newton/protocol';
import type { Selectable, Transaction } from 'kysely';
import type { StatusUpdate, TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import { prepared } from './prepared.js';
import type { Database, MessagesTable } from './schema.js';

export type MessageRow = Selectable<MessagesTable>;

/**
 * Statuses only move forward. `failed` ranks above `sent` (a sent message can
 * still fail) and below `delivered`/`read` (proof that it arrived wins).
 */
const RANK: Record<MessageStatus, number> = { pending: 0, sent: 1, failed: 2, delivered: 3, read: 4 };

function isForward(from: string, to: MessageStatus): boolean {
  return RANK[to] > (RANK[from as MessageStatus] ?? 0);
}

/** provider_message_id of an outbound message the provider has not answered for yet. */
export const PLACEHOLDER_PREFIX = 'pending:';
export const placeholderId = (messageId: string) => `${PLACEHOLDER_PREFIX}${messageId}`;
export const isPlaceholder = (providerMessageId: string) => providerMessageId.startsWith(PLACEHOLDER_PREFIX);

export type StatusStoreResult =
  | { outcome: 'applied'; messageId: string; status: MessageStatus; events: TenantEvent[] }
  | { outcome: 'stale'; messageId: string; status: MessageStatus; events: [] }
  | { outcome: 'deferred'; events: [] };

type ProviderKey = { tenant: string; instance: string; providerId: string };

/** Rows of one provider message id of one instance (`messages` and `pending_statuses` share these columns). */
function ofProviderId(p: ProviderKey) {
  return { tenant_id: p.tenant, instance_id: p.instance, provider_message_id: p.providerId };
}

const q = {
  byProviderId: prepared((db, p: ProviderKey) =>
    db
      .selectFrom('messages')
      .selectAll()
      .where((eb) => eb.and(ofProviderId(p))),
  ),
  setStatus: prepared(
    (db, p: { id: string; status: string; error: string | null; at: number; leaseEnds: number | null }) =>
      db
        .updateTable('messages')
        .set({ status: p.status, status_error: p.error, status_at: p.at, send_lease_until: p.leaseEnds })
        .where('id', '=', p.id),
  ),
  endLease: prepared((db, p: { id: string }) =>
    db.updateTable('messages').set({ send_lease_until: null }).where('id', '=', p.id),
  ),
  deferred: prepared((db, p: ProviderKey) =>
    db
      .selectFrom('pending_statuses')
      .selectAll()
      .where((eb) => eb.and(ofProviderId(p))),
  ),
  /** Removes and returns the kept status. */
  takeDeferred: prepared((db, p: ProviderKey) =>
    db
      .deleteFrom('pending_statuses')
      .where((eb) => eb.and(ofProviderId(p)))
      .returningAll(),
  ),
  setProviderId: prepared((db, p: { id: string; providerId: string }) =>
    db.updateTable('messages').set({ provider_message_id: p.providerId }).where('id', '=', p.id),
  ),
};

function statusBody(row: MessageRow, status: MessageStatus, error: MessageError | null): EventBody {
  return {
    type: 'message_status',
    message_id: row.id,
    conversation_id: row.conversation_id,
    status,
    error,
    provider_message_id: row.provider_message_id,
  };
}

/**
 * Moves `row` to `status` when that is forward (or `force`), updating `row` in
 * place; returns the `message_status` body, or null when nothing changed.
 * Leaving `pending` ends the send's lease.
 */
export async function advanceStatus(
  trx: Transaction<Database>,
  row: MessageRow,
  status: MessageStatus,
  error: MessageError | null,
  at: number,
  force = false,
): Promise<EventBody | null> {
  if (!force && !isForward(row.status, status)) return null;
  const err =
    status === 'failed' ? (error ?? { code: 'failed', message: 'the provider reported a failure' }) : null;
  const json = err ? JSON.stringify(err) : null;
  const leaseEnds = status === 'pending' ? row.send_lease_until : null;
  await q.setStatus(trx, { id: row.id, status, error: json, at, leaseEnds });
  Object.assign(row, { status, status_error: json, status_at: at, send_lease_until: leaseEnds });
  return statusBody(row, status, err);
}

/** Keeps a status for a message not known yet (the highest one wins). */
async function defer(trx: Transaction<Database>, u: StatusUpdate, now: number): Promise<void> {
  const key = { tenant: u.tenantId, instance: u.instanceId, providerId: u.providerMessageId };
  const existing = (await q.deferred(trx, key)).rows[0];
  const error = u.status === 'failed' && u.error ? JSON.stringify(u.error) : null;
  if (!existing) {
    await trx
      .insertInto('pending_statuses')
      .values({
        tenant_id: u.tenantId,
        instance_id: u.instanceId,
        provider_message_id: u.providerMessageId,
        status: u.status,
        error,
        at: u.at,
        created_at: now,
      })
      .execute();
  } else if (isForward(existing.status, u.status)) {
    await trx
      .updateTable('pending_statuses')
      .set({ status: u.status, error, at: u.at })
      .where('tenant_id', '=', u.tenantId)
      .where('instance_id', '=', u.instanceId)
      .where('provider_message_id', '=', u.providerMessageId)
      .execute();
  }
}

/**
 * Applies a status kept for `row`'s provider id before the message existed,
 * and forgets it. Only called for outbound messages (statuses exist for no other).
 */
export async function applyDeferred(trx: Transaction<Database>, row: MessageRow): Promise<EventBody | null> {
  const key = { tenant: row.tenant_id, instance: row.instance_id, providerId: row.provider_message_id };
  const kept = (await q.takeDeferred(trx, key)).rows[0];
  if (!kept) return null;
  const error = kept.error ? (JSON.parse(kept.error) as MessageError) : null;
  return advanceStatus(trx, row, kept.status as MessageStatus, error, Number(kept.at));
}

/** A provider's status report: forward-only, with its event; kept for later when the message is unknown. */
export async function applyStatus(trx: Transaction<Database>, u: StatusUpdate): Promise<StatusStoreResult> {
  const lastSeq = await lockTenant(trx, u.tenantId);
  if (lastSeq === undefined) return { outcome: 'deferred', events: [] };
  const now = Date.now();
  const key = { tenant: u.tenantId, instance: u.instanceId, providerId: u.providerMessageId };
  const row = (await q.byProviderId(trx, key)).rows[0];
  if (!row) {
    await defer(trx, u, now);
    return { outcome: 'deferred', events: [] };
  }
  const body = await advanceStatus(trx, row, u.status, u.error ?? null, u.at);
  if (!body) return { outcome: 'stale', messageId: row.id, status: row.status as MessageStatus, events: [] };
  const events = await appendEvents(trx, u.tenantId, lastSeq, [body], now);
  return { outcome: 'applied', messageId: row.id, status: u.status, events };
}

export type RecordSentResult =
  | { outcome: 'recorded'; status: MessageStatus; events: TenantEvent[] }
  /** Another message already holds this provider id (an echo stored apart); ours is marked sent anyway. */
  | { outcome: 'conflict'; otherMessageId: string; events: TenantEvent[] }
  | { outcome: 'gone'; events: [] };

/**
 * The provider accepted a send: records its message id (unless an echo did
 * already), moves the message to `sent` and applies any status that arrived
 * before, each with its event.
 */
export async function recordSent(
  trx: Transaction<Database>,
  p: { tenantId: string; messageId: string; providerMessageId: string; at: number },
): Promise<RecordSentResult> {
  const { lastSeq, row } = await lockedMessage(trx, p);
  if (lastSeq === undefined || !row) return { outcome: 'gone', events: [] };
  const now = Date.now();
  let otherMessageId: string | undefined;
  if (isPlaceholder(row.provider_message_id)) {
    const key = { tenant: row.tenant_id, instance: row.instance_id, providerId: p.providerMessageId };
    const other = (await q.byProviderId(trx, key)).rows[0];
    if (other) otherMessageId = other.id;
    else await setProviderId(trx, row, p.providerMessageId);
  }
  const bodies: EventBody[] = [];
  // A message that failed for us (timeouts) but that the provider did take is sent after all.
  const sent = await advanceStatus(trx, row, 'sent', null, p.at, row.status === 'failed');
  if (sent) bodies.push(sent);
  else await q.endLease(trx, { id: row.id }); // already past sent (an echo or a status came first)
  if (!otherMessageId) {
    const deferred = await applyDeferred(trx, row);
    if (deferred) bodies.push(deferred);
  }
  const events = await appendEvents(trx, p.tenantId, lastSeq, bodies, now);
  return otherMessageId
    ? { outcome: 'conflict', otherMessageId, events }
    : { outcome: 'recorded', status: row.status as MessageStatus, events };
}

/** Records the provider's id of a reply that had a placeholder, in the row too. */
async function setProviderId(trx: Transaction<Database>, row: MessageRow, providerId: string): Promise<void> {
  await q.setProviderId(trx, { id: row.id, providerId });
  row.provider_message_id = providerId;
}

/** Locks the tenant's event log, then reads one of its messages (`row` undefined when it is gone). */
async function lockedMessage(
  trx: Transaction<Database>,
  p: { tenantId: string; messageId: string },
): Promise<{ lastSeq: number | undefined; row: MessageRow | undefined }> {
  const lastSeq = await lockTenant(trx, p.tenantId);
  const row = await trx
    .selectFrom('messages')
    .selectAll()
    .where('tenant_id', '=', p.tenantId)
    .where('id', '=', p.messageId)
    .executeTakeFirst();
  return { lastSeq, row };
}

/** A send failed for good: `failed` with the provider's reason (only from pending or sent). */
export async function markFailed(
  trx: Transaction<Database>,
  p: { tenantId: string; messageId: string; error: MessageError; at: number },
): Promise<{ changed: boolean; events: TenantEvent[] }> {
  const { lastSeq, row } = await lockedMessage(trx, p);
  if (lastSeq === undefined || !row) return { changed: false, events: [] };
  const body = await advanceStatus(trx, row, 'failed', p.error, p.at);
  if (!body) return { changed: false, events: [] };
  return { changed: true, events: await appendEvents(trx, p.tenantId, lastSeq, [body], Date.now()) };
}

/** How long an unanswered reply can still be matched by its echo. */
const ECHO_WINDOW_MS = 24 * 3600_000;

/**
 * The echo of a reply sent from the CRM (Evolution `send.message`, or a
 * `fromMe` upsert) that arrives before the send's answer told us its id: the
 * oldest reply of the conversation still waiting for its provider id, with
 * the same text. Returns it with its provider id recorded, or undefined.
 */
export async function claimEcho(
  trx: Transaction<Database>,
  p: { conversationId: string; providerMessageId: string; type: string; content: string | null; now: number },
): Promise<MessageRow | undefined> {
  if (p.type !== 'text' || p.content === null) return undefined;
  const row = await trx
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', p.conversationId)
    .where('direction', '=', 'outbound')
    .where('provider_message_id', 'like', `${PLACEHOLDER_PREFIX}%`)
    .where('type', '=', 'text')
    .where('content', '=', p.content)
    .where('created_at', '>', p.now - ECHO_WINDOW_MS)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  await setProviderId(trx, row, p.providerMessageId);
  return row;
}

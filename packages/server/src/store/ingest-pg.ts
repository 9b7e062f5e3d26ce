import type { EventBody } from '@newton/protocol';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { newRowId } from '../core/ids.js';
import type { InboundMessage, IngestResult, WebhookReceipt } from '../core/index.js';
import { buildEvents } from './event-log.js';
import {
  decideLead,
  leadEvent,
  needsLidLookup,
  planMessage,
  type QuotedRow,
  storedOutcome,
} from './ingest-plan.js';
import { pendingMediaRow } from './media-pending.js';
import { insertReceipt, receiptRow } from './receipts.js';
import type { ConversationsTable, Database, LeadsTable } from './schema.js';

/**
 * The webhook write path on PostgreSQL for an inbound message, in two
 * statements instead of a transaction of a dozen (ingest.ts):
 *
 * 1. one read, outside any transaction: the tenant's `last_seq`, the
 *    duplicate check, the lead by phone and by LID, and the conversation;
 * 2. one data-modifying statement (its own transaction, one commit) that
 *    first moves `tenants.last_seq` from the value read to the new one
 *    (`… WHERE last_seq = <read>`: this takes the tenant's row lock, as
 *    lockTenant does) and then writes the lead, conversation, message,
 *    events and receipt — only if that guard matched.
 *
 * Every change to a tenant's leads, conversations and messages appends an
 * event under the tenant's row lock, so an unchanged `last_seq` proves that
 * what step 1 read is still current when step 2 writes. When another writer
 * of the tenant got in between, the guard matches no row and nothing is
 * written; the webhook then runs the same two statements once more inside a
 * transaction that holds the tenant's lock (`attemptLocked`), and the locked
 * transaction (`locked`) only for what that cannot settle: an unknown tenant,
 * or a constraint the read did not foresee. Seq
 * stays gapless and unique either way: events are written only by the
 * statement that moved `last_seq` to cover them, and the row lock is held
 * until that statement commits.
 *
 * Why: each round trip to PostgreSQL is a chance to wait for a CPU (the
 * database and the nodes share few cores), and a transaction kept open over
 * a dozen of them holds its pool connection and the tenant's lock the whole
 * time. Two round trips, and no `idle in transaction` but after a conflict.
 * They (and the retry's lock) are named statements on the pg pool, not
 * Kysely, so each connection parses and plans them once.
 */
export async function ingestInboundPostgres(
  db: Kysely<Database>,
  pool: pg.Pool,
  m: InboundMessage,
  receipt: WebhookReceipt | undefined,
  locked: () => Promise<IngestResult>,
): Promise<IngestResult> {
  let done = await attempt(pool, m, receipt);
  if (done === CONFLICT) done = await attemptLocked(pool, m, receipt);
  if (done === CONFLICT) return locked();
  if ('stored' in done) return done.stored;
  if (receipt && !m.recovered)
    await insertReceipt(db, {
      ...receipt,
      outcome: 'duplicate',
      messageId: done.dup.messageId,
      bodyExcerpt: null,
    });
  return { outcome: 'duplicate', ...done.dup, events: [] };
}

/** Another writer of the tenant got in between, the tenant is unknown, or a unique key the read did not foresee. */
const CONFLICT = Symbol('conflict');
type Attempt =
  | typeof CONFLICT
  | { stored: IngestResult }
  | { dup: { messageId: string; conversationId: string } };

/**
 * After a conflict: the same two statements in a transaction that first takes
 * the tenant's row lock, so the guard cannot miss again — four round trips
 * under the lock instead of the dozen of the locked transaction. Under a
 * tenant's steady traffic (200 webhooks/s) a slower event loop (a 21 MiB body
 * arriving, #13) made most optimistic writes conflict, and each conflict then
 * held the lock over a dozen round trips: the tenant's commits fell below its
 * arrival rate and a queue built. The read runs after the lock, so it sees the
 * last holder's commit (READ COMMITTED takes a snapshot per statement).
 */
async function attemptLocked(
  pool: pg.Pool,
  m: InboundMessage,
  receipt: WebhookReceipt | undefined,
): Promise<Attempt> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query({ name: 'newton_ingest_lock', text: LOCK_SQL, values: [m.tenantId] });
    const done = await attempt(client, m, receipt);
    await client.query(done === CONFLICT ? 'rollback' : 'commit');
    client.release();
    return done;
  } catch (err) {
    // The connection may be mid-transaction: it leaves the pool.
    client.release(err as Error);
    throw err;
  }
}

/** The read, then the guarded write (see the file's comment), on `q`: the pool, or a connection in a transaction. */
async function attempt(
  q: pg.Pool | pg.PoolClient,
  m: InboundMessage,
  receipt: WebhookReceipt | undefined,
): Promise<Attempt> {
  const read = (
    await q.query<ReadRow>({
      name: 'newton_ingest_read',
      text: READ_SQL,
      values: [
        m.tenantId,
        m.instanceId,
        m.providerMessageId,
        m.lead.phone,
        m.lead.lid,
        m.extra.reply_to?.provider_message_id ?? null,
      ],
    })
  ).rows[0];
  // Unknown tenant: the locked path says so with its usual error.
  if (!read) return CONFLICT;
  const lastSeq = Number(read.last_seq);
  if (read.dup_id !== null)
    return { dup: { messageId: read.dup_id, conversationId: read.dup_conversation_id as string } };

  const now = Date.now();
  const byPhone = read.by_phone ?? undefined;
  const byLid = needsLidLookup(m, byPhone) ? (read.by_lid ?? undefined) : undefined;
  const messageId = newRowId();
  const leadChange = decideLead(m, byPhone, byLid, now, messageId);
  const bodies: EventBody[] = [];
  const leadBody = leadEvent(leadChange, m.isProbe === true);
  if (leadBody) bodies.push(leadBody);
  // A diagnostics probe's events take no seq and stay out of the log (see IngestResult).
  const arrivalSeq = m.isProbe ? lastSeq : lastSeq + bodies.length + 1;
  const plan = planMessage(
    m,
    leadChange.lead,
    read.conv ?? undefined,
    arrivalSeq,
    now,
    messageId,
    read.quoted,
  );
  bodies.push(plan.body);
  if (plan.reopened) bodies.push(plan.reopened);
  const { rows: eventRows, appended } = m.isProbe
    ? { rows: [], appended: [] }
    : buildEvents(m.tenantId, lastSeq, bodies, now);
  const receiptRows = receipt
    ? [receiptRow({ ...receipt, outcome: storedOutcome(m), messageId: plan.message.id, bodyExcerpt: null })]
    : [];

  let written: number;
  try {
    const res = await q.query<{ written: number }>({
      name: 'newton_ingest_write',
      text: WRITE_SQL,
      values: [
        m.tenantId,
        lastSeq + eventRows.length,
        lastSeq,
        json(leadChange.insert),
        one(leadChange.update),
        json(plan.insertConv),
        one(plan.updateConv),
        json(plan.message),
        JSON.stringify(eventRows),
        JSON.stringify(receiptRows),
        json(pendingMediaRow(m, plan.message.id, now)),
      ],
    });
    written = Number(res.rows[0]?.written ?? 0);
  } catch (err) {
    // A unique key the read did not foresee: the locked transaction sorts it out.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return CONFLICT;
    throw err;
  }
  if (written !== 1) return CONFLICT;
  const stored = { outcome: 'stored' as const, messageId: plan.message.id, conversationId: plan.conv.id };
  return {
    stored: m.isProbe ? { ...stored, events: [], probeEvents: bodies } : { ...stored, events: appended },
  };
}

const UNIQUE_VIOLATION = '23505';

const LOCK_SQL = 'select 1 from tenants where id = $1 for update';

/**
 * The row an update joins on, for json_populate_record, or null (no row). One
 * record, not a one-row recordset: json_populate_recordset is estimated at 100
 * rows, so the generic plan hash-joined it with a sequential scan of the whole
 * table, conversations on every webhook (#16).
 */
function one(row: object | undefined): string | null {
  return row ? JSON.stringify(row) : null;
}

/** A JSON array of zero or one row, for json_populate_recordset. */
function json(row: object | undefined): string {
  return row ? `[${JSON.stringify(row)}]` : '[]';
}

interface ReadRow {
  last_seq: number;
  dup_id: string | null;
  dup_conversation_id: string | null;
  by_phone: LeadsTable | null;
  by_lid: LeadsTable | null;
  conv: ConversationsTable | null;
  quoted: QuotedRow | null;
}

/**
 * $1 tenant, $2 instance, $3 provider message id, $4 phone, $5 LID, $6 the
 * provider id of the message it quotes. Each join matches at most one row
 * (unique keys); a null phone, LID or quote matches nothing. The conversation
 * is the one of the lead found by phone, else by LID.
 */
const READ_SQL = `
select t.last_seq,
       d.id as dup_id,
       d.conversation_id as dup_conversation_id,
       row_to_json(lp) as by_phone,
       row_to_json(ll) as by_lid,
       row_to_json(c) as conv,
       case when qm.id is null then null
            else json_build_object('id', qm.id, 'content', qm.content, 'sender', qm.sender) end as quoted
  from tenants t
  left join messages d
    on d.tenant_id = t.id and d.instance_id = $2 and d.provider_message_id = $3
  left join leads lp on lp.tenant_id = t.id and lp.phone = $4
  left join leads ll on ll.tenant_id = t.id and ll.wa_lid = $5
  left join conversations c
    on c.tenant_id = t.id and c.instance_id = $2 and c.lead_id = coalesce(lp.id, ll.id)
  left join messages qm
    on qm.tenant_id = t.id and qm.instance_id = $2 and qm.provider_message_id = $6
 where t.id = $1`;

/**
 * $1 tenant, $2 new last_seq, $3 last_seq read; then JSON arrays of rows (the two
 * updates: one JSON object or null):
 * $4 lead to insert, $5 lead to update, $6 conversation to insert,
 * $7 conversation to update, $8 message, $9 events, $10 receipt, $11 the
 * message's pending media (media-state.ts). Every write
 * reads from `t`, so none happens unless the guard matched; foreign keys are
 * checked at the end of the statement, when every row is in.
 */
const WRITE_SQL = `
with t as (
  update tenants set last_seq = $2 where id = $1 and last_seq = $3 returning id
), lead_insert as (
  insert into leads select r.* from t, json_populate_recordset(null::leads, $4::json) r
), lead_update as (
  update leads l
     set phone = r.phone, wa_lid = r.wa_lid, name = r.name, attribution = r.attribution,
         updated_at = r.updated_at
    from t, json_populate_record(null::leads, $5::json) r
   where l.id = r.id
), conversation_insert as (
  insert into conversations select r.* from t, json_populate_recordset(null::conversations, $6::json) r
), conversation_update as (
  update conversations c
     set unread_count = r.unread_count, last_message_at = r.last_message_at,
         last_message_id = r.last_message_id, last_message_preview = r.last_message_preview,
         reply_to = r.reply_to, updated_at = r.updated_at,
         status = r.status, snoozed_until = r.snoozed_until
    from t, json_populate_record(null::conversations, $7::json) r
   where c.id = r.id
), message_insert as (
  insert into messages select r.* from t, json_populate_recordset(null::messages, $8::json) r
), event_insert as (
  insert into events select r.* from t, json_populate_recordset(null::events, $9::json) r
), receipt_insert as (
  insert into webhook_receipts select r.* from t, json_populate_recordset(null::webhook_receipts, $10::json) r
), media_insert as (
  insert into message_media select r.* from t, json_populate_recordset(null::message_media, $11::json) r
)
select count(*)::int as written from t`;

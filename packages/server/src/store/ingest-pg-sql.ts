/**
 * The two statements of the PostgreSQL webhook path (ingest-pg.ts) for a
 * batch of one tenant's inbound messages: one read of everything the batch's
 * decisions need (ingest-pg-batch.ts), and one guarded write of all the rows
 * they make. Named statements on the pg pool, not Kysely, so each connection
 * parses and plans them once.
 */
import type pg from 'pg';
import type { BatchItem, BatchPlan, BatchRead, KnownMessage } from './ingest-pg-batch.js';
import type { ConversationsTable, LeadsTable } from './schema.js';

/** The pool, or a connection in a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * What `items` (one tenant) need from the store, or undefined when the
 * tenant does not exist. Outside a transaction, the read is a consistent
 * snapshot (one statement).
 */
export async function readBatch(q: Queryable, items: BatchItem[]): Promise<BatchRead | undefined> {
  const tenantId = (items[0] as BatchItem).message.tenantId;
  const instances: string[] = [];
  const ids: string[] = [];
  const phones = new Set<string>();
  const lids = new Set<string>();
  for (const { message: m } of items) {
    instances.push(m.instanceId);
    ids.push(m.providerMessageId);
    const quoted = m.extra.reply_to?.provider_message_id;
    if (quoted) {
      instances.push(m.instanceId);
      ids.push(quoted);
    }
    if (m.lead.phone) phones.add(m.lead.phone);
    if (m.lead.lid) lids.add(m.lead.lid);
  }
  const row = (
    await q.query<ReadRow>({
      name: 'newton_ingest_read',
      text: READ_SQL,
      values: [tenantId, instances, ids, [...phones], [...lids]],
    })
  ).rows[0];
  if (!row) return undefined;
  return {
    lastSeq: Number(row.last_seq),
    messages: row.messages,
    leads: row.leads,
    conversations: row.conversations,
  };
}

/**
 * Writes `plan` if the tenant's `last_seq` is still the one read (see
 * ingest-pg.ts): whether it was. A unique violation is thrown as is.
 */
export async function writeBatch(q: Queryable, tenantId: string, plan: BatchPlan): Promise<boolean> {
  const res = await q.query<{ written: number }>({
    name: 'newton_ingest_write',
    text: WRITE_SQL,
    values: [
      tenantId,
      plan.newLastSeq,
      plan.lastSeq,
      JSON.stringify(plan.leadInserts),
      JSON.stringify(plan.leadUpdates),
      JSON.stringify(plan.convInserts),
      JSON.stringify(plan.convUpdates),
      JSON.stringify(plan.messages),
      JSON.stringify(plan.events),
      JSON.stringify(plan.receipts),
      JSON.stringify(plan.media),
      plan.leadUpdates.map((r) => r.id),
      plan.convUpdates.map((r) => r.id),
    ],
  });
  return Number(res.rows[0]?.written ?? 0) === 1;
}

interface ReadRow {
  last_seq: number;
  messages: KnownMessage[];
  leads: LeadsTable[];
  conversations: ConversationsTable[];
}

/**
 * $1 tenant; $2 and $3 (instance, provider message id) pairs: the batch's
 * messages and the ones they quote; $4 phones; $5 LIDs. Every lookup is by
 * a unique key of the tenant.
 */
const READ_SQL = `
with wanted as (
  select l.* from leads l
   where l.tenant_id = $1 and (l.phone = any($4::text[]) or l.wa_lid = any($5::text[]))
)
select t.last_seq,
       (select coalesce(json_agg(json_build_object(
                 'id', m.id, 'instance_id', m.instance_id, 'provider_message_id', m.provider_message_id,
                 'conversation_id', m.conversation_id, 'content', m.content, 'sender', m.sender)), '[]')
          from unnest($2::text[], $3::text[]) k(instance_id, provider_message_id)
          join messages m
            on m.tenant_id = t.id and m.instance_id = k.instance_id
           and m.provider_message_id = k.provider_message_id) as messages,
       (select coalesce(json_agg(w), '[]') from wanted w) as leads,
       (select coalesce(json_agg(c), '[]')
          from wanted w
         cross join (select distinct i from unnest($2::text[]) i) i
         cross join lateral (
           -- One row by the unique key; the limit keeps this a lookup per pair (no plan scans the table).
           select * from conversations c
            where c.tenant_id = t.id and c.instance_id = i.i and c.lead_id = w.id limit 1) c) as conversations
  from tenants t
 where t.id = $1`;

/**
 * $1 tenant, $2 new last_seq, $3 last_seq read; then JSON arrays of rows:
 * $4 leads to insert, $5 lead updates, $6 conversations to insert, $7
 * conversation updates, $8 messages, $9 events, $10 receipts, $11 the
 * messages' pending media (media-state.ts). Every write reads from `t`, so
 * none happens unless the guard matched; foreign keys are checked at the end
 * of the statement, when every row is in. A row is inserted or updated once
 * (the batch plan merges), since a statement's parts do not see each other's
 * changes.
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
    from t, json_populate_recordset(null::leads, $5::json) r
   where l.id = any($12::text[]) and l.id = r.id
), conversation_insert as (
  insert into conversations select r.* from t, json_populate_recordset(null::conversations, $6::json) r
), conversation_update as (
  update conversations c
     set unread_count = r.unread_count, last_message_at = r.last_message_at,
         last_message_id = r.last_message_id, last_message_preview = r.last_message_preview,
         reply_to = r.reply_to, updated_at = r.updated_at,
         status = r.status, snoozed_until = r.snoozed_until
    from t, json_populate_recordset(null::conversations, $7::json) r
   where c.id = any($13::text[]) and c.id = r.id
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

/**
 * The two statements of the PostgreSQL webhook path (ingest-pg.ts) for a
 * batch of inbound messages, of one tenant or several: one read of everything
 * the batch's decisions need (ingest-pg-batch.ts), and one write of all the
 * rows they make, each tenant's guarded on its own. Named statements on the pg
 * pool, not Kysely, so each connection parses and plans them once.
 */
import type pg from 'pg';
import type { BatchItem, BatchPlan, BatchRead, KnownMessage } from './ingest-pg-batch.js';
import type { ConversationsTable, LeadsTable } from './schema.js';

/** The pool, or a connection in a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * What `items` need from the store, per tenant; a tenant that does not exist
 * has no entry. Outside a transaction, the read is a consistent snapshot (one
 * statement).
 */
export async function readBatch(q: Queryable, items: BatchItem[]): Promise<Map<string, BatchRead>> {
  const tenants = new Set<string>();
  const keys = { tenant: [] as string[], instance: [] as string[], id: [] as string[] };
  const phones = new Set<string>();
  const lids = new Set<string>();
  const wantMessage = (tenant: string, instance: string, id: string) => {
    keys.tenant.push(tenant);
    keys.instance.push(instance);
    keys.id.push(id);
  };
  for (const { message: m } of items) {
    tenants.add(m.tenantId);
    wantMessage(m.tenantId, m.instanceId, m.providerMessageId);
    const quoted = m.extra.reply_to?.provider_message_id;
    if (quoted) wantMessage(m.tenantId, m.instanceId, quoted);
    if (m.lead.phone) phones.add(m.lead.phone);
    if (m.lead.lid) lids.add(m.lead.lid);
  }
  const { rows } = await q.query<ReadRow>({
    name: 'newton_ingest_read',
    text: READ_SQL,
    values: [[...tenants], keys.tenant, keys.instance, keys.id, [...phones], [...lids]],
  });
  return new Map(
    rows.map((row) => [
      row.id,
      {
        lastSeq: Number(row.last_seq),
        messages: row.messages,
        leads: row.leads,
        conversations: row.conversations,
      },
    ]),
  );
}

/**
 * Writes each tenant's plan if the tenant's `last_seq` is still the one read
 * (see ingest-pg.ts), all in one statement and one commit; returns the tenants
 * whose guard matched (the others wrote nothing). A unique violation is
 * thrown as is, and then nothing is written.
 */
export async function writeBatch(q: Queryable, plans: Map<string, BatchPlan>): Promise<Set<string>> {
  const guard = { id: [] as string[], next: [] as number[], read: [] as number[] };
  const rows = {
    leadInserts: [] as object[],
    leadUpdates: [] as object[],
    convInserts: [] as object[],
    convUpdates: [] as object[],
    messages: [] as object[],
    events: [] as object[],
    receipts: [] as object[],
    media: [] as object[],
  };
  for (const [tenant, plan] of plans) {
    guard.id.push(tenant);
    guard.next.push(plan.newLastSeq);
    guard.read.push(plan.lastSeq);
    rows.leadInserts.push(...plan.leadInserts);
    // The updates name their tenant, so that a tenant whose guard missed updates nothing.
    rows.leadUpdates.push(...plan.leadUpdates.map((r) => ({ ...r, tenant_id: tenant })));
    rows.convInserts.push(...plan.convInserts);
    rows.convUpdates.push(...plan.convUpdates.map((r) => ({ ...r, tenant_id: tenant })));
    rows.messages.push(...plan.messages);
    rows.events.push(...plan.events);
    // A receipt's own tenant_id may be null: it is filed under the batch's tenant instead.
    rows.receipts.push(...plan.receipts.map((row) => ({ tenant, row })));
    rows.media.push(...plan.media);
  }
  const res = await q.query<{ id: string }>({
    name: 'newton_ingest_write',
    text: WRITE_SQL,
    values: [
      guard.id,
      guard.next,
      guard.read,
      JSON.stringify(rows.leadInserts),
      JSON.stringify(rows.leadUpdates),
      JSON.stringify(rows.convInserts),
      JSON.stringify(rows.convUpdates),
      JSON.stringify(rows.messages),
      JSON.stringify(rows.events),
      JSON.stringify(rows.receipts),
      JSON.stringify(rows.media),
      rows.leadUpdates.map((r) => (r as { id: string }).id),
      rows.convUpdates.map((r) => (r as { id: string }).id),
    ],
  });
  return new Set(res.rows.map((r) => r.id));
}

interface ReadRow {
  id: string;
  last_seq: number;
  messages: KnownMessage[];
  leads: LeadsTable[];
  conversations: ConversationsTable[];
}

/**
 * $1 tenants; $2, $3 and $4 (tenant, instance, provider message id) triples:
 * the batch's messages and the ones they quote; $5 phones; $6 LIDs (a lead
 * of one tenant found by another's phone is left out by the tenant's own
 * lookup in ingest-pg-batch.ts). Every lookup is by a unique key; the
 * conversations by a LATERAL lookup per lead and instance, so that no cached
 * plan scans the table.
 */
const READ_SQL = `
with wanted as (
  select l.* from leads l
   where l.tenant_id = any($1::text[]) and (l.phone = any($5::text[]) or l.wa_lid = any($6::text[]))
), pairs as (
  select distinct k.tenant_id, k.instance_id from unnest($2::text[], $3::text[]) k(tenant_id, instance_id)
)
select t.id, t.last_seq,
       (select coalesce(json_agg(json_build_object(
                 'id', m.id, 'instance_id', m.instance_id, 'provider_message_id', m.provider_message_id,
                 'conversation_id', m.conversation_id, 'content', m.content, 'sender', m.sender)), '[]')
          from unnest($2::text[], $3::text[], $4::text[]) k(tenant_id, instance_id, provider_message_id)
          join messages m
            on m.tenant_id = k.tenant_id and m.instance_id = k.instance_id
           and m.provider_message_id = k.provider_message_id
         where k.tenant_id = t.id) as messages,
       (select coalesce(json_agg(w), '[]') from wanted w where w.tenant_id = t.id) as leads,
       (select coalesce(json_agg(c), '[]')
          from wanted w
          join pairs p on p.tenant_id = w.tenant_id
         cross join lateral (
           select * from conversations c
            where c.tenant_id = w.tenant_id and c.instance_id = p.instance_id and c.lead_id = w.id
            limit 1) c
         where w.tenant_id = t.id) as conversations
  from tenants t
 where t.id = any($1::text[])`;

/**
 * $1, $2, $3: per tenant, its id, its new last_seq and the last_seq read;
 * then JSON arrays of rows: $4 leads to insert, $5 lead updates, $6
 * conversations to insert, $7 conversation updates, $8 messages, $9 events,
 * $10 receipts (`{ tenant, row }`), $11 the messages' pending media
 * (media-state.ts); $12 and $13 the ids of the updated leads and
 * conversations. A row is written only if its tenant's guard matched (`t`);
 * foreign keys are checked at the end of the statement, when every row is in.
 * A row is inserted or updated once (the batch plan merges), since a
 * statement's parts do not see each other's changes. The updates also match
 * their ids against an array: a recordset's 100-row estimate alone made the
 * cached plan scan the whole table.
 */
const WRITE_SQL = `
with t as (
  update tenants x set last_seq = g.next
    from unnest($1::text[], $2::bigint[], $3::bigint[]) g(id, next, read)
   where x.id = g.id and x.last_seq = g.read
  returning x.id
), lead_insert as (
  insert into leads
  select r.* from json_populate_recordset(null::leads, $4::json) r where r.tenant_id in (select id from t)
), lead_update as (
  update leads l
     set phone = r.phone, wa_lid = r.wa_lid, name = r.name, attribution = r.attribution,
         updated_at = r.updated_at
    from json_populate_recordset(null::leads, $5::json) r
   where l.id = any($12::text[]) and l.id = r.id and r.tenant_id in (select id from t)
), conversation_insert as (
  insert into conversations
  select r.* from json_populate_recordset(null::conversations, $6::json) r
   where r.tenant_id in (select id from t)
), conversation_update as (
  update conversations c
     set unread_count = r.unread_count, last_message_at = r.last_message_at,
         last_message_id = r.last_message_id, last_message_preview = r.last_message_preview,
         reply_to = r.reply_to, updated_at = r.updated_at,
         status = r.status, snoozed_until = r.snoozed_until
    from json_populate_recordset(null::conversations, $7::json) r
   where c.id = any($13::text[]) and c.id = r.id and r.tenant_id in (select id from t)
), message_insert as (
  insert into messages
  select r.* from json_populate_recordset(null::messages, $8::json) r where r.tenant_id in (select id from t)
), event_insert as (
  insert into events
  select r.* from json_populate_recordset(null::events, $9::json) r where r.tenant_id in (select id from t)
), receipt_insert as (
  insert into webhook_receipts
  select r.* from json_array_elements($10::json) e
   cross join lateral json_populate_record(null::webhook_receipts, e->'row') r
   where e->>'tenant' in (select id from t)
), media_insert as (
  insert into message_media
  select r.* from json_populate_recordset(null::message_media, $11::json) r
   where r.tenant_id in (select id from t)
)
select id from t`;

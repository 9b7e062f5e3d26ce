import { randomUUID } from 'node:crypto';
import type { EventBody, EventType } from '@newton/protocol';
import { type Kysely, PostgresAdapter, type Transaction } from 'kysely';
import type { TenantEvent, TenantLogState } from '../core/index.js';
import { prepared } from './prepared.js';
import type { Database, EventsTable } from './schema.js';

/**
 * Takes the tenant's row lock for the rest of the transaction and returns its
 * last seq. In PostgreSQL this serialises writers of one tenant only (no lock
 * across tenants); SQLite's BEGIN IMMEDIATE already serialises every writer.
 * Returns undefined when the tenant does not exist.
 */
export async function lockTenant(trx: Transaction<Database>, tenantId: string): Promise<number | undefined> {
  // The transaction knows its database: no dialect needs threading through every caller.
  const query = trx.getExecutor().adapter instanceof PostgresAdapter ? tenantSeqForUpdate : tenantSeq;
  const row = (await query(trx, { tenant: tenantId })).rows[0];
  return row ? Number(row.last_seq) : undefined;
}

const tenantSeq = prepared((db, p: { tenant: string }) =>
  db.selectFrom('tenants').select('last_seq').where('id', '=', p.tenant),
);
const tenantSeqForUpdate = prepared((db, p: { tenant: string }) =>
  db.selectFrom('tenants').select('last_seq').where('id', '=', p.tenant).forUpdate(),
);
const insertEvent = prepared((db, p: EventsTable) => db.insertInto('events').values(p));
const setLastSeq = prepared((db, p: { tenant: string; seq: number }) =>
  db.updateTable('tenants').set({ last_seq: p.seq }).where('id', '=', p.tenant),
);

/**
 * The rows and frames of events appended after `lastSeq`, without writing
 * them (the PostgreSQL fast path writes them in its one statement). The
 * stored payload is the complete frame, so replay and live delivery send the
 * very same bytes.
 */
export function buildEvents(
  tenantId: string,
  lastSeq: number,
  bodies: EventBody[],
  now: number,
): { rows: EventsTable[]; appended: TenantEvent[] } {
  const occurredAt = new Date(now).toISOString();
  const appended: TenantEvent[] = [];
  const rows = bodies.map((body, i) => {
    const seq = lastSeq + i + 1;
    const { type, ...rest } = body as EventBody & { type: EventType };
    const eventId = randomUUID();
    const frame = JSON.stringify({
      type,
      tenant_id: tenantId,
      seq,
      event_id: eventId,
      occurred_at: occurredAt,
      ...rest,
    });
    appended.push({ tenantId, seq, type, frame });
    return {
      tenant_id: tenantId,
      seq,
      event_id: eventId,
      type,
      payload: frame,
      created_at: now,
    };
  });
  return { rows, appended };
}

/**
 * Appends events after `lastSeq` (the value lockTenant returned) in the
 * caller's transaction (see buildEvents).
 */
export async function appendEvents(
  trx: Transaction<Database>,
  tenantId: string,
  lastSeq: number,
  bodies: EventBody[],
  now: number,
): Promise<TenantEvent[]> {
  if (bodies.length === 0) return [];
  const { rows, appended } = buildEvents(tenantId, lastSeq, bodies, now);
  for (const row of rows) await insertEvent(trx, row);
  await setLastSeq(trx, { tenant: tenantId, seq: lastSeq + bodies.length });
  return appended;
}

export async function logState(db: Kysely<Database>, tenantId: string): Promise<TenantLogState | undefined> {
  const row = await db
    .selectFrom('tenants')
    .select(['last_seq', 'pruned_through'])
    .where('id', '=', tenantId)
    .executeTakeFirst();
  return row ? { lastSeq: Number(row.last_seq), prunedThrough: Number(row.pruned_through) } : undefined;
}

/** Events with seq in (after, upTo], in order, at most `limit`. */
export async function readEvents(
  db: Kysely<Database>,
  tenantId: string,
  after: number,
  upTo: number,
  limit: number,
): Promise<TenantEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['seq', 'type', 'payload'])
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', after)
    .where('seq', '<=', upTo)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tenantId, seq: Number(r.seq), type: r.type as EventType, frame: r.payload }));
}

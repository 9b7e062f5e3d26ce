import type pg from 'pg';
import type { IngestResult } from '../core/index.js';
import { type BatchItem, type BatchPlan, planBatch } from './ingest-pg-batch.js';
import { type Queryable, readBatch, writeBatch } from './ingest-pg-sql.js';

export type { BatchItem } from './ingest-pg-batch.js';

/**
 * The webhook write path on PostgreSQL for inbound messages: a batch of
 * messages, of one tenant or several (ingest-pg-queue.ts gathers them), in
 * two statements, instead of a transaction of a dozen per message (ingest.ts):
 *
 * 1. one read, outside any transaction (ingest-pg-sql.ts): each tenant's
 *    `last_seq`, the messages the batch repeats or quotes, its leads by phone
 *    and by LID, and their conversations;
 * 2. per tenant, the decisions for every message in memory, each seeing the
 *    ones before it (ingest-pg-batch.ts);
 * 3. one data-modifying statement (its own transaction, one commit) that
 *    first moves each tenant's `last_seq` from the value read to the new one
 *    (`… WHERE last_seq = <read>`: this takes the tenant's row lock, as
 *    lockTenant does) and then writes every lead, conversation, message,
 *    event and receipt of the tenants whose guard matched, and nothing of
 *    the others.
 *
 * Every change to a tenant's leads, conversations and messages appends an
 * event under the tenant's row lock, so an unchanged `last_seq` proves that
 * what step 1 read is still current when step 3 writes. When another writer
 * of a tenant got in between (another node, or another kind of write), that
 * tenant's guard matches no row and nothing of it is written; its messages
 * then run the same two statements once more inside a transaction that holds
 * its lock (`attemptLocked`). What that cannot settle (an unknown tenant, a
 * unique key the read did not foresee), and a batch that failed on an error,
 * goes tenant by tenant and then message by message, each to the locked
 * transaction (`locked`) if it must, so one bad message never fails the
 * others. Seq stays gapless and unique either way: events are written only
 * by the statement that moved `last_seq` to cover them, and the row lock is
 * held until that statement commits.
 *
 * Why: each round trip to PostgreSQL is a chance to wait for a CPU (the
 * database and the nodes share few cores), and a transaction kept open over
 * a dozen of them holds its pool connection and the tenant's lock the whole
 * time. Two round trips and one commit for all the messages that arrived
 * while the node's previous writes were in flight (#13, #16).
 */
export async function ingestInboundPostgres(
  pool: pg.Pool,
  items: BatchItem[],
  locked: (item: BatchItem) => Promise<IngestResult>,
): Promise<PromiseSettledResult<IngestResult>[]> {
  const groups = byTenant(items);
  const settled: PromiseSettledResult<IngestResult>[] = new Array(items.length);
  let left = groups;
  try {
    const done = await attempt(pool, groups);
    left = groups.filter((g) => !done.has(g.tenant));
    for (const g of groups) {
      const results = done.get(g.tenant);
      if (results)
        fill(
          settled,
          g,
          results.map((value) => ({ status: 'fulfilled', value })),
        );
    }
  } catch (err) {
    if (items.length === 1) return [{ status: 'rejected', reason: err }];
  }
  // Tenants another writer got in between, or a batch that failed: each tenant on its own.
  for (const g of left) fill(settled, g, await ingestTenant(pool, g.items, locked));
  return settled;
}

/** One tenant's messages of a batch, and where each stands in it. */
interface Group {
  tenant: string;
  items: BatchItem[];
  at: number[];
}

function byTenant(items: BatchItem[]): Group[] {
  const groups = new Map<string, Group>();
  items.forEach((item, i) => {
    const tenant = item.message.tenantId;
    const g = groups.get(tenant) ?? { tenant, items: [], at: [] };
    g.items.push(item);
    g.at.push(i);
    groups.set(tenant, g);
  });
  return [...groups.values()];
}

/** Puts a group's results (in the group's order) at its messages' places in the batch. */
function fill(
  out: PromiseSettledResult<IngestResult>[],
  g: Group,
  settled: PromiseSettledResult<IngestResult>[],
): void {
  g.at.forEach((i, k) => {
    out[i] = settled[k] as PromiseSettledResult<IngestResult>;
  });
}

/**
 * One tenant's messages after its optimistic write missed: under the tenant's
 * lock, then (what that cannot settle, or an error) message by message, one
 * message to the locked transaction.
 */
async function ingestTenant(
  pool: pg.Pool,
  items: BatchItem[],
  locked: (item: BatchItem) => Promise<IngestResult>,
): Promise<PromiseSettledResult<IngestResult>[]> {
  try {
    const done = await attemptLocked(pool, items);
    if (done !== CONFLICT) return done.map((value) => ({ status: 'fulfilled', value }));
  } catch (err) {
    if (items.length === 1) return [{ status: 'rejected', reason: err }];
  }
  if (items.length === 1) {
    try {
      return [{ status: 'fulfilled', value: await locked(items[0] as BatchItem) }];
    } catch (err) {
      return [{ status: 'rejected', reason: err }];
    }
  }
  const settled: PromiseSettledResult<IngestResult>[] = [];
  for (const item of items) settled.push(...(await ingestInboundPostgres(pool, [item], locked)));
  return settled;
}

/** Another writer of the tenant got in between, the tenant is unknown, or a unique key the read did not foresee. */
const CONFLICT = Symbol('conflict');

/**
 * After a conflict: the same two statements for one tenant in a transaction
 * that first takes the tenant's row lock, so the guard cannot miss again —
 * four round trips under the lock instead of a dozen per message in the
 * locked transaction. The read runs after the lock, so it sees the last
 * holder's commit (READ COMMITTED takes a snapshot per statement).
 */
async function attemptLocked(pool: pg.Pool, items: BatchItem[]): Promise<IngestResult[] | typeof CONFLICT> {
  const tenant = (items[0] as BatchItem).message.tenantId;
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query({ name: 'newton_ingest_lock', text: LOCK_SQL, values: [tenant] });
    const done = (await attempt(client, [{ tenant, items, at: [] }])).get(tenant);
    await client.query(done ? 'commit' : 'rollback');
    client.release();
    return done ?? CONFLICT;
  } catch (err) {
    // The connection may be mid-transaction: it leaves the pool.
    client.release(err as Error);
    throw err;
  }
}

/**
 * The read, the plans and the write (see ingestInboundPostgres), on `q`: the
 * results of the tenants whose guard matched. A tenant that is missing
 * conflicted (or does not exist); a unique key the read did not foresee
 * writes nothing for any of them.
 */
async function attempt(q: Queryable, groups: Group[]): Promise<Map<string, IngestResult[]>> {
  const reads = await readBatch(
    q,
    groups.flatMap((g) => g.items),
  );
  const plans = new Map<string, BatchPlan>();
  for (const g of groups) {
    const read = reads.get(g.tenant);
    // Unknown tenant: the locked path says so with its usual error.
    if (read) plans.set(g.tenant, planBatch(g.items, read));
  }
  const done = new Map<string, IngestResult[]>();
  if (plans.size === 0) return done;
  let written: Set<string>;
  try {
    written = await writeBatch(q, plans);
  } catch (err) {
    // A unique key the read did not foresee: settled tenant by tenant, message by message.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return done;
    throw err;
  }
  for (const [tenant, plan] of plans) if (written.has(tenant)) done.set(tenant, plan.results);
  return done;
}

const UNIQUE_VIOLATION = '23505';

const LOCK_SQL = 'select 1 from tenants where id = $1 for update';

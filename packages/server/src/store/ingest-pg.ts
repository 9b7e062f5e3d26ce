import type pg from 'pg';
import type { IngestResult } from '../core/index.js';
import { type BatchItem, type BatchPlan, planBatch } from './ingest-pg-batch.js';
import { type Queryable, readBatch, writeBatch } from './ingest-pg-sql.js';

export type { BatchItem } from './ingest-pg-batch.js';

/**
 * The webhook write path on PostgreSQL for inbound messages: a batch of one
 * tenant's messages (ingest-pg-queue.ts gathers them) in two statements,
 * instead of a transaction of a dozen per message (ingest.ts):
 *
 * 1. one read, outside any transaction (ingest-pg-sql.ts): the tenant's
 *    `last_seq`, the messages the batch repeats or quotes, its leads by phone
 *    and by LID, and their conversations;
 * 2. the decisions for every message in memory, each seeing the ones before
 *    it (ingest-pg-batch.ts);
 * 3. one data-modifying statement (its own transaction, one commit) that
 *    first moves `tenants.last_seq` from the value read to the new one
 *    (`… WHERE last_seq = <read>`: this takes the tenant's row lock, as
 *    lockTenant does) and then writes every lead, conversation, message,
 *    event and receipt — only if that guard matched.
 *
 * Every change to a tenant's leads, conversations and messages appends an
 * event under the tenant's row lock, so an unchanged `last_seq` proves that
 * what step 1 read is still current when step 3 writes. When another writer
 * of the tenant got in between (another node, or another kind of write), the
 * guard matches no row and nothing is written; the batch then runs the same
 * two statements once more inside a transaction that holds the tenant's lock
 * (`attemptLocked`). What that cannot settle (an unknown tenant, a unique key
 * the read did not foresee), and a batch that failed on an error, goes
 * message by message, each to the locked transaction (`locked`) if it must,
 * so one bad message never fails the others. Seq stays gapless and unique
 * either way: events are written only by the statement that moved `last_seq`
 * to cover them, and the row lock is held until that statement commits.
 *
 * Why: each round trip to PostgreSQL is a chance to wait for a CPU (the
 * database and the nodes share few cores), and a transaction kept open over
 * a dozen of them holds its pool connection and the tenant's lock the whole
 * time. Two round trips and one commit for all the messages that arrived
 * while the tenant's previous batch was being written (#13, #16).
 */
export async function ingestInboundPostgres(
  pool: pg.Pool,
  items: BatchItem[],
  locked: (item: BatchItem) => Promise<IngestResult>,
): Promise<PromiseSettledResult<IngestResult>[]> {
  try {
    let done = await attempt(pool, items);
    if (done === CONFLICT) done = await attemptLocked(pool, items);
    if (done !== CONFLICT) return done.map((value) => ({ status: 'fulfilled', value }));
  } catch (err) {
    if (items.length === 1) return [{ status: 'rejected', reason: err }];
  }
  // Message by message: a batch on its own path each, one message to the locked transaction.
  const settled: PromiseSettledResult<IngestResult>[] = [];
  for (const item of items) {
    if (items.length > 1) {
      settled.push(...(await ingestInboundPostgres(pool, [item], locked)));
      continue;
    }
    try {
      settled.push({ status: 'fulfilled', value: await locked(item) });
    } catch (err) {
      settled.push({ status: 'rejected', reason: err });
    }
  }
  return settled;
}

/** Another writer of the tenant got in between, the tenant is unknown, or a unique key the read did not foresee. */
const CONFLICT = Symbol('conflict');

/**
 * After a conflict: the same two statements in a transaction that first takes
 * the tenant's row lock, so the guard cannot miss again — four round trips
 * under the lock instead of a dozen per message in the locked transaction.
 * The read runs after the lock, so it sees the last holder's commit (READ
 * COMMITTED takes a snapshot per statement).
 */
async function attemptLocked(pool: pg.Pool, items: BatchItem[]): Promise<IngestResult[] | typeof CONFLICT> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query({
      name: 'newton_ingest_lock',
      text: LOCK_SQL,
      values: [(items[0] as BatchItem).message.tenantId],
    });
    const done = await attempt(client, items);
    await client.query(done === CONFLICT ? 'rollback' : 'commit');
    client.release();
    return done;
  } catch (err) {
    // The connection may be mid-transaction: it leaves the pool.
    client.release(err as Error);
    throw err;
  }
}

/** The read, the plan and the guarded write (see ingestInboundPostgres), on `q`. */
async function attempt(q: Queryable, items: BatchItem[]): Promise<IngestResult[] | typeof CONFLICT> {
  const read = await readBatch(q, items);
  // Unknown tenant: the locked path says so with its usual error.
  if (!read) return CONFLICT;
  const plan: BatchPlan = planBatch(items, read);
  try {
    const tenantId = (items[0] as BatchItem).message.tenantId;
    if (!(await writeBatch(q, tenantId, plan))) return CONFLICT;
  } catch (err) {
    // A unique key the read did not foresee: settled message by message.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return CONFLICT;
    throw err;
  }
  return plan.results;
}

const UNIQUE_VIOLATION = '23505';

const LOCK_SQL = 'select 1 from tenants where id = $1 for update';

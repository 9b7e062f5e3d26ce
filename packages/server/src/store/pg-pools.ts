import type pg from 'pg';

/**
 * Connections of the webhook write path's own pool, out of `DATABASE_POOL_SIZE`:
 * the batches ingest-pg-queue.ts writes at once (its MAX_IN_FLIGHT), each on one
 * connection at a time.
 * @default 2
 */
export const INGEST_CONNECTIONS = 2;

/**
 * The node's PostgreSQL pools: `pool` under Kysely, and `ingest` for the named
 * statements of the webhook write path (ingest-pg-sql.ts), whose connections
 * run them with `plan_cache_mode = force_generic_plan`.
 *
 * Why a pool of their own: PostgreSQL plans a named statement for its
 * parameters (a custom plan) for the first five executions, then keeps the
 * generic plan only if its estimate is no worse. For `= any($1::text[])` the
 * generic plan assumes arrays of ten while a batch of one message costs less,
 * so every execution was planned again: about 0.65 ms of the read's 0.95 ms
 * in psql; with this pool, PostgreSQL and Redis took 12 % less CPU at 200
 * webhooks/s on two nodes (issue #16, docs/benchmarks.md). Their generic plans look rows up by the
 * same unique indexes (checked with 200,000 leads and conversations and
 * 5,000 tenants). The setting stays off Kysely's connections, whose unnamed
 * statements are planned once with their values, as they should be.
 *
 * With a pool size under twice `INGEST_CONNECTIONS`, one pool serves both.
 */
export interface PgPools {
  pool: pg.Pool;
  ingest: pg.Pool;
}

export function openPgPools(pgLib: typeof pg, url: string, poolSize: number): PgPools {
  // Kysely keeps at least as many as the write path takes.
  const split = poolSize >= 2 * INGEST_CONNECTIONS;
  const pool = newPool(pgLib, url, split ? poolSize - INGEST_CONNECTIONS : poolSize);
  if (!split) return { pool, ingest: pool };
  const ingest = newPool(pgLib, url, INGEST_CONNECTIONS);
  // Queued before the first statement of whoever takes the new connection (pg runs a client's queries in order).
  ingest.on(
    'connect',
    (client) => void client.query('set plan_cache_mode = force_generic_plan').catch(() => {}),
  );
  return { pool, ingest };
}

function newPool(pgLib: typeof pg, url: string, max: number): pg.Pool {
  const pool = new pgLib.Pool({ connectionString: url, max, types: pgTypes(pgLib.types) });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor one lent out: pg-pool removes its listener while a client is checked out, so a
  // connection that ends under a running statement emits an 'error' nobody hears. The
  // statement itself still rejects, and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** int8 (bigint) and numeric come back as numbers: epoch ms and seqs stay far below 2^53. */
function pgTypes(types: typeof pg.types): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === 20 || oid === 1700) return (v: string) => Number(v);
      return types.getTypeParser(oid, format);
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

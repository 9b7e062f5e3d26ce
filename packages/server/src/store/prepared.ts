import { type Compilable, CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;

type Slot<P> = { key: keyof P } | { value: unknown };

const SENTINEL = '\u0000newton:';

/** Runs compiled SQL straight on the connection (see registerDirect). */
export type DirectRun = (sql: string, values: readonly unknown[]) => QueryResult<unknown>;

/** By the dialect adapter of the Kysely instance they were registered for. */
const direct = new WeakMap<object, DirectRun>();

/**
 * Lets `prepared` queries that run inside a transaction go straight to the
 * connection, past Kysely's connection provider, its mutex and its result
 * plumbing: about 1 µs a statement, and the webhook path runs ten (issue #16,
 * docs/benchmarks.md). Only for a dialect with one connection (SQLite): a
 * transaction holds it for its whole life, so its statements may use it;
 * outside one, a query waits for Kysely's mutex as before.
 */
export function registerDirect(db: Kysely<Database>, run: DirectRun): void {
  direct.set(db.getExecutor().adapter, run);
}

/**
 * A query written once with the query builder and then run many times with
 * new parameters. Kysely builds and compiles every query anew, which on the
 * webhook path costs more than SQLite takes to run it (about 17 µs against
 * 8 µs here). The builder is called once per dialect with placeholders; each
 * named parameter must be used as a plain value (not in an `in` list, not in
 * raw SQL), which `run` checks when it compiles.
 *
 * @example
 * const byId = prepared((db, p: { id: string }) => db.selectFrom('tenants').selectAll().where('id', '=', p.id));
 * const { rows } = await byId(db, { id: 'acme' });
 */
export function prepared<P extends object, R>(build: (db: Executor, p: P) => Compilable<R>) {
  // Keyed by the dialect adapter, so one definition serves SQLite and PostgreSQL.
  const compiled = new WeakMap<object, { sql: string; slots: Slot<P>[] }>();
  return async (db: Executor, params: P): Promise<QueryResult<R>> => {
    const adapter = db.getExecutor().adapter;
    let c = compiled.get(adapter);
    if (!c) {
      const names = Object.keys(params) as (keyof P)[];
      const placeholders = Object.fromEntries(names.map((k) => [k, `${SENTINEL}${String(k)}`])) as P;
      const query = build(db, placeholders).compile();
      const slots = query.parameters.map((v): Slot<P> => {
        if (typeof v === 'string' && v.startsWith(SENTINEL))
          return { key: v.slice(SENTINEL.length) as keyof P };
        return { value: v };
      });
      const used = new Set(slots.flatMap((s) => ('key' in s ? [s.key] : [])));
      const unused = names.filter((n) => !used.has(n));
      if (unused.length > 0) throw new Error(`prepared query does not bind ${unused.join(', ')} as values`);
      c = { sql: query.sql, slots };
      compiled.set(adapter, c);
    }
    const values = c.slots.map((s) => ('key' in s ? params[s.key] : s.value));
    const run = db.isTransaction ? direct.get(adapter) : undefined;
    if (run) return run(c.sql, values) as QueryResult<R>;
    return db.executeQuery<R>(CompiledQuery.raw(c.sql, values));
  };
}

/**
 * SQLite: runs a read on the connection at once, past Kysely's queue, even
 * while a transaction holds the connection; the read then sees that
 * transaction's writes before they commit. Only for reads where that is
 * harmless (instance-cache-sqlite.ts). Undefined on PostgreSQL.
 */
export function readAtOnce(db: Kysely<Database>, sql: string): unknown[] | undefined {
  return direct.get(db.getExecutor().adapter)?.(sql, []).rows;
}

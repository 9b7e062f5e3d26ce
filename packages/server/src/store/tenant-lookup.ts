import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where the data lives; the same two settings `Store.open` takes. */
export interface TenantLookupOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
}

/**
 * Whether a tenant exists, read with one SQL statement per dialect and none of Kysely or the
 * migrations: for a short command that only needs this answer (`newton token` must start in
 * ≤ 150 ms, issue #14; Kysely and the store cost ~27 ms of it to load).
 *
 * It never creates or changes anything: no database file or no `tenants` table means no tenant.
 * A database that cannot be reached throws the driver's own error, as `Store.open` would.
 */
export async function tenantExists(o: TenantLookupOptions, id: string): Promise<boolean> {
  return o.databaseUrl ? existsInPostgres(o.databaseUrl, id) : existsInSqlite(o.dataDir, id);
}

async function existsInSqlite(dataDir: string, id: string): Promise<boolean> {
  const file = path.join(dataDir, 'newton.sqlite');
  if (!existsSync(file)) return false;
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const db = new BetterSqlite3(file, { fileMustExist: true });
  try {
    // A server writing beside this command holds the lock for a commit at most.
    db.pragma('busy_timeout = 5000');
    return db.prepare('select 1 from tenants where id = ?').get(id) !== undefined;
  } catch (e) {
    if (/no such table/.test((e as Error).message)) return false;
    throw e;
  } finally {
    db.close();
  }
}

async function existsInPostgres(url: string, id: string): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  // A connection lost mid-query rejects the query; unheard, its 'error' event would crash the CLI.
  client.on('error', () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from tenants where id = $1', [id]);
    return (rowCount ?? 0) > 0;
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return false; // undefined_table: never migrated
    throw e;
  } finally {
    await client.end();
  }
}

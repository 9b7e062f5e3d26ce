/**
 * Migration tests: a fresh store on the suite's database (SQLite, or
 * PostgreSQL with NEWTON_TEST_DB=postgres) migrated through one migration
 * only, so the test can write rows the way an older Newton did, run the
 * rest with `migrate(db)` and look at what they became.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { type Dialect, migrate, openPostgres, openSqlite } from '../src/store/db.js';
import type { Database } from '../src/store/schema.js';
import { createTestDatabase } from './databases.js';

/** Runs `fn` on a store migrated through `through`; the store is removed afterwards, pass or fail. */
export async function withStoreAt(
  through: string,
  fn: (db: Kysely<Database>, dialect: Dialect) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'newton-migration-'));
  const database = await createTestDatabase();
  const opened = database.url ? await openPostgres(database.url, 2) : openSqlite(dir);
  const db = opened.db as Kysely<Database>;
  try {
    await migrate(db, through);
    await fn(db, opened.dialect);
  } finally {
    await db.destroy();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

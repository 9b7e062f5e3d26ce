import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  type Migration,
  Migrator,
  PostgresDialect,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import type pg from 'pg';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-message-arrival-order.js';
import * as m003 from './migrations/003-outbound.js';
import * as m004 from './migrations/004-cloud-instances.js';
import * as m005 from './migrations/005-receipt-sender.js';
import * as m006 from './migrations/006-lead-list.js';
import * as m007 from './migrations/007-instance-state.js';
import * as m008 from './migrations/008-instance-waba.js';
import * as m009 from './migrations/009-message-media.js';

import * as m012 from './migrations/012-lead-profile.js';
import * as m013 from './migrations/013-users.js';
import * as m014 from './migrations/014-status-notes-labels.js';
import * as m015 from './migrations/015-search.js';
import * as m017 from './migrations/017-lead-edits.js';
import * as m018 from './migrations/018-lead-search-display-name.js';
import * as m019 from './migrations/019-client-id-partial.js';
import * as m020 from './migrations/020-search-queue.js';
import * as m021 from './migrations/021-instance-changes.js';
import * as m022 from './migrations/022-instance-version.js';
import { openPgPools } from './pg-pools.js';
import { registerDirect } from './prepared.js';
import type { Database } from './schema.js';
import { WalSync } from './wal-sync.js';

export type Dialect = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for logs (never includes credentials). */
  location: string;
  /** PostgreSQL: the pool under `db`. */
  pool?: pg.Pool;
  /** PostgreSQL: the webhook write path's named statements (ingest-pg.ts), generic plans (pg-pools.ts). */
  ingestPool?: pg.Pool;
  /** SQLite: commits whose fsync runs off the event loop (wal-sync.ts). */
  walSync?: WalSync;
}

const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-message-arrival-order': m002,
  '003-outbound': m003,
  '004-cloud-instances': m004,
  '005-receipt-sender': m005,
  '006-lead-list': m006,
  '007-instance-state': m007,
  '008-instance-waba': m008,
  '009-message-media': m009,

  '012-lead-profile': m012,
  '013-users': m013,
  '014-status-notes-labels': m014,
  '015-search': m015,
  '017-lead-edits': m017,
  '018-lead-search-display-name': m018,
  '019-client-id-partial': m019,
  '020-search-queue': m020,
  '021-instance-changes': m021,
  '022-instance-version': m022,
};

/**
 * SQLite's plain BEGIN takes the write lock only at the first write, and a
 * second process (the `newton` CLI next to a running server) then fails with
 * SQLITE_BUSY instead of waiting. BEGIN IMMEDIATE waits for busy_timeout.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely's SQLite adapter runs migrations outside a transaction and without a
 * lock, so two processes starting on a fresh database (a server and a
 * `newton` command) both ran the first migration. SQLite's DDL is
 * transactional: with a transaction, BEGIN IMMEDIATE makes the second wait
 * and then find the migrations applied.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** better-sqlite3 with prepared statements cached by SQL text (Kysely prepares per query). */
function cachedStatements(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = raw.prepare(sql);
        if (cache.size > 500) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

/**
 * Switches the file to WAL. Converting a fresh file needs exclusive access,
 * and SQLite does not run the busy handler for it: several processes opening
 * a new database at once (a server and `newton` commands) saw "database is
 * locked" from this one pragma. WAL is kept in the file, so after the first
 * open this asks nothing of the lock; otherwise it retries with backoff for
 * as long as busy_timeout would have waited.
 */
function enableWal(raw: BetterSqlite3.Database, budgetMs = 5000): void {
  const deadline = Date.now() + budgetMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      const mode = raw.pragma('journal_mode = WAL', { simple: true });
      if (mode === 'wal') return;
      throw new Error(
        `SQLite kept journal_mode ${String(mode)}; Newton needs WAL (is ${raw.name} on a network filesystem?)`,
      );
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
      // Opening is synchronous and happens once, at start: a blocking pause is fine here.
      Atomics.wait(pause, 0, 0, Math.min(2 ** attempt, 50));
    }
  }
}

export function openSqlite(dataDir: string): OpenedDatabase {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'newton.sqlite');
  const raw = new BetterSqlite3(file);
  raw.pragma('busy_timeout = 5000');
  enableWal(raw);
  // FULL: a 2xx to a webhook means the commit reached the disk, not just the OS.
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  // 8 MiB, not more: a commit in which a B-tree split swapped pages (SQLite's
  // balance_nonroot parks one under the lock page's number) ends with a walk of
  // every page in the cache (pcache1TruncateUnsafe), so a commit costs more the
  // larger the cache: 64 MiB took 4–5 % of a webhook's CPU, up to 40 % in a
  // bare insert loop (issue #16, docs/benchmarks.md). Reads past it come from
  // the OS's page cache; searches over 100,000 messages measured the same.
  raw.pragma('cache_size = -8192');
  // Statement journals in memory: a write transaction's statements that may
  // abort halfway (triggers, several unique indexes) save the pages they touch
  // first, and past 64 KiB SQLite spilled them to a temporary file — 38 KB of
  // file writes per webhook (issue #16, docs/benchmarks.md).
  raw.pragma('temp_store = MEMORY');
  // Checkpoints run on a worker thread (checkpointer.ts); this is only the backstop.
  raw.pragma('wal_autocheckpoint = 20000');
  const statements = cachedStatements(raw);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: statements }) });
  // The same answers as Kysely's SQLite driver gives, on the same (only) connection.
  registerDirect(db, (text, values) => {
    const stmt = statements.prepare(text) as unknown as BetterSqlite3.Statement;
    if (stmt.reader) return { rows: stmt.all(values) };
    const { changes, lastInsertRowid } = stmt.run(values);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  });
  return { db, dialect: 'sqlite', location: file, walSync: new WalSync(raw, `${file}-wal`) };
}

/** `pg` loads on first use: a SQLite node, and a short CLI command, never pay for it. */
export async function openPostgres(url: string, poolSize: number): Promise<OpenedDatabase> {
  const { default: pgLib } = await import('pg');
  const { pool, ingest } = openPgPools(pgLib, url, poolSize);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const { host, pathname } = new URL(url);
  return { db, dialect: 'postgres', location: `postgres://${host}${pathname}`, pool, ingestPool: ingest };
}

/**
 * Whether every migration Newton knows is recorded as applied: one read,
 * where Kysely's migrator takes its lock and sorts names with
 * `localeCompare` (ICU's start-up alone is ~8 ms of a short CLI command, #14).
 */
async function upToDate(db: Kysely<Database>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from newton_migrations`.execute(db);
    const done = new Set(rows.map((r) => r.name));
    return Object.keys(MIGRATIONS).every((name) => done.has(name));
  } catch {
    return false; // no table yet: a new database
  }
}

/**
 * Applies every pending migration; throws with the failing migration's name.
 * `through`: only the migrations up to that one, in name order (a test of a
 * later migration on an older database).
 */
export async function migrate(db: Kysely<Database>, through?: string): Promise<void> {
  if (through === undefined && (await upToDate(db))) return;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'newton_migrations',
    migrationLockTableName: 'newton_migrations_lock',
    // Migrations are independent of one another: a database that ran 017 before 013-015 were
    // written (a build between the #15 merges) still takes them, in name order.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await (through ? migrator.migrateTo(through) : migrator.migrateToLatest());
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed?.migrationName ?? 'unknown';
    // The cause keeps the driver's code (3D000, ECONNREFUSED…) for `newton start`'s one-line errors.
    throw new Error(`migration ${name} failed: ${String((error as Error)?.message ?? error)}`, {
      cause: error,
    });
  }
}

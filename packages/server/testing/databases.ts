/**
 * Test databases (internal). `NEWTON_TEST_DB=postgres` runs the suite against
 * PostgreSQL: each test server gets a fresh database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Admin connection used to create and drop per-test databases. */
export const PG_ADMIN_URL = process.env.NEWTON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDialect = 'sqlite' | 'postgres';

export function testDialect(): TestDialect {
  const v = process.env.NEWTON_TEST_DB ?? 'sqlite';
  if (v !== 'sqlite' && v !== 'postgres')
    throw new Error(`NEWTON_TEST_DB must be sqlite or postgres, not "${v}"`);
  return v;
}

export interface TestDatabase {
  /** DATABASE_URL for the node(s), or undefined for SQLite. */
  url: string | undefined;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(err as Error).message}); ` +
        'start it, or run the suite with NEWTON_TEST_DB=sqlite',
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test server (SQLite: nothing to create, it lives in DATA_DIR). */
export async function createTestDatabase(dialect: TestDialect = testDialect()): Promise<TestDatabase> {
  if (dialect === 'sqlite') return { url: undefined, drop: async () => {} };
  const name = `newton_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

/**
 * The store-less tenant check of `newton token` (#14): it answers like the store does, and a
 * database that is missing or was never migrated means "no tenant" without being created or
 * changed. Runs on SQLite and PostgreSQL (NEWTON_TEST_DB).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase, testDialect } from '../../testing/databases.js';
import { TestNewton } from '../../testing/harness.js';
import { tenantExists } from './tenant-lookup.js';

let newton: TestNewton;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('lookup_a');
});
after(() => newton.close());

describe('tenantExists', () => {
  test('finds a tenant of the store and no other', async () => {
    const where = { dataDir: newton.dataDir, databaseUrl: newton.node.config.databaseUrl };
    assert.equal(await tenantExists(where, 'lookup_a'), true);
    assert.equal(await tenantExists(where, 'lookup_b'), false);
    await newton.addTenant('lookup_b');
    assert.equal(await tenantExists(where, 'lookup_b'), true);
  });

  test('a database never created or never migrated has no tenant, and stays as it was', async () => {
    if (testDialect() === 'sqlite') {
      const empty = mkdtempSync(path.join(tmpdir(), 'newton-lookup-'));
      try {
        assert.equal(await tenantExists({ dataDir: empty }, 'lookup_a'), false);
        assert.deepEqual(readdirSync(empty), [], 'no database file was created');
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
      return;
    }
    let db: TestDatabase | undefined;
    try {
      db = await createTestDatabase('postgres');
      const url = db.url as string;
      assert.equal(await tenantExists({ dataDir: '/nonexistent', databaseUrl: url }, 'lookup_a'), false);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query(
        "select count(*)::int as n from pg_tables where schemaname = 'public'",
      );
      await client.end();
      assert.equal(rows[0].n, 0, 'no table was created');
    } finally {
      await db?.drop();
    }
  });

  test('an unreachable PostgreSQL throws the driver error (the CLI turns it into one line)', async () => {
    await assert.rejects(
      tenantExists({ dataDir: '/nonexistent', databaseUrl: 'postgres://127.0.0.1:1/none' }, 'x'),
      (e: Error & { code?: string }) => e.code === 'ECONNREFUSED',
    );
    assert.equal(existsSync('/nonexistent'), false);
  });
});

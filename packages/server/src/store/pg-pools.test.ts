/**
 * The webhook write path's own connections (pg-pools.ts): its named
 * statements run with generic plans, planned once per connection instead of
 * at every execution; Kysely's connections keep PostgreSQL's default; both
 * pools together stay within DATABASE_POOL_SIZE. PostgreSQL only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import type { InboundMessage } from '../core/index.js';
import { Store } from './index.js';
import { INGEST_CONNECTIONS } from './pg-pools.js';

const skip = process.env.NEWTON_TEST_DB !== 'postgres' ? 'PostgreSQL only (NEWTON_TEST_DB=postgres)' : false;

let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'newton-pg-pools-'));
const opened: Store[] = [];

before(async () => {
  if (!skip) database = await createTestDatabase();
});
after(async () => {
  for (const s of opened) await s.close();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(poolSize?: number): Promise<Store> {
  const store = await Store.open({
    dataDir: dir,
    databaseUrl: database.url,
    ...(poolSize ? { poolSize } : {}),
  });
  opened.push(store);
  return store;
}

const message = (instanceId: string, i: number): InboundMessage => ({
  tenantId: 'acme',
  instanceId,
  provider: 'evolution',
  providerMessageId: `plan-${i}`,
  lead: { phone: `+5730011122${String(i).padStart(2, '0')}`, lid: null, name: null },
  replyTo: `5730011122${String(i).padStart(2, '0')}@s.whatsapp.net`,
  direction: 'inbound',
  sender: 'lead',
  type: 'text',
  content: `text ${i}`,
  status: 'delivered',
  timestamp: Date.now(),
  extra: {},
});

interface Prepared {
  name: string;
  generic_plans: number;
  custom_plans: number;
}

test('the webhook path plans its statements once per connection; Kysely keeps the default', {
  skip,
}, async () => {
  const store = await open();
  await store.admin.createTenant('acme', null);
  const instance = await store.admin.createInstance({
    tenantId: 'acme',
    provider: 'evolution',
    name: 'acme-wa',
  });
  // One after the other: each message its own read and write, more than PostgreSQL's five custom plans.
  for (let i = 0; i < 12; i++) {
    const r = await store.inbound.message(message(instance.id, i));
    assert.equal(r.outcome, 'stored');
  }
  const pool = store.ingestPool as pg.Pool;
  assert.notEqual(pool, store.pool, 'the write path has a pool of its own');
  // Every connection the write path used, held at once, tells what its statements cost to plan.
  const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
  const plans = new Map<string, { generic: number; custom: number }>();
  try {
    for (const c of clients) {
      assert.equal((await c.query('show plan_cache_mode')).rows[0].plan_cache_mode, 'force_generic_plan');
      const { rows } = await c.query<Prepared>(
        "select name, generic_plans, custom_plans from pg_prepared_statements where name like 'newton_ingest_%'",
      );
      for (const r of rows) {
        const p = plans.get(r.name) ?? { generic: 0, custom: 0 };
        plans.set(r.name, {
          generic: p.generic + Number(r.generic_plans),
          custom: p.custom + Number(r.custom_plans),
        });
      }
    }
  } finally {
    for (const c of clients) c.release();
  }
  assert.deepEqual(
    [...plans.keys()].sort(),
    ['newton_ingest_read', 'newton_ingest_write'],
    'the read and the write ran on these connections',
  );
  for (const [name, p] of plans) {
    assert.equal(p.custom, 0, `${name}: never planned for its parameters`);
    assert.equal(p.generic, 12, `${name}: its generic plan served all 12 executions`);
  }
  const { rows } = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(store.db);
  assert.equal(rows[0]?.plan_cache_mode, 'auto', "Kysely's unnamed statements are planned with their values");
});

test('both pools together open at most DATABASE_POOL_SIZE connections', { skip }, async () => {
  const ten = await open(10);
  assert.equal(ten.pool?.options.max, 10 - INGEST_CONNECTIONS);
  assert.equal(ten.ingestPool?.options.max, INGEST_CONNECTIONS);
  // Too few to split: one pool, and the write path's statements planned as PostgreSQL decides.
  const three = await open(3);
  assert.equal(three.ingestPool, three.pool);
  assert.equal(three.pool?.options.max, 3);
});

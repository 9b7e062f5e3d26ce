/**
 * The instance cache of the webhook path on PostgreSQL (instance-cache.ts,
 * migration 021): an instance is read from the database once, and a change
 * made by anyone — this store, another process's store (as the `newton` CLI
 * does), SQL by hand — reaches the next lookup; the state a node writes on
 * every webhook does not empty it; with its listening connection gone, every
 * lookup reads the database until it listens again. PostgreSQL only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import { eventually } from '../../testing/harness.js';
import { Store } from './index.js';

const skip = process.env.NEWTON_TEST_DB !== 'postgres' ? 'PostgreSQL only (NEWTON_TEST_DB=postgres)' : false;

let store: Store;
/** Another process's store on the same database, as the `newton` CLI opens one. */
let other: Store;
let sqlClient: pg.Client;
let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'newton-instance-cache-'));
/** Lookups of `store` that reached the database. */
let lookups = 0;

before(async () => {
  if (skip) return;
  database = await createTestDatabase();
  store = await Store.open({ dataDir: dir, databaseUrl: database.url });
  other = await Store.open({ dataDir: dir, databaseUrl: database.url });
  sqlClient = new pg.Client({ connectionString: database.url });
  await sqlClient.connect();
  for (const t of ['acme', 'globex']) {
    await store.admin.createTenant(t, null);
    await store.admin.createInstance({
      tenantId: t,
      provider: 'evolution',
      name: `${t}-wa`,
      apikey: `${t}-key`,
    });
  }
  const pool = store.pool as pg.Pool;
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  pool.query = ((config: pg.QueryConfig) => {
    if (config.name === 'newton_find_instance') lookups++;
    return query(config);
  }) as typeof pool.query;
});
after(async () => {
  if (skip) return;
  await sqlClient.end();
  await other.close();
  await store.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Looks `name` up until a lookup is answered from memory (the cache listens and holds it). */
async function cached(name: string): Promise<void> {
  await eventually(
    async () => {
      const before = lookups;
      await store.admin.findInstance('evolution', name);
      return lookups === before;
    },
    10_000,
    `a lookup of ${name} answered from memory`,
  );
}

const apikeyOf = async (name: string) => (await store.admin.findInstance('evolution', name))?.apikey;

beforeEach(async () => {
  if (skip) return;
  await cached('acme-wa');
  await cached('globex-wa');
});

test('an instance is read from the database once; each name is its own, of its own tenant', {
  skip,
}, async () => {
  const before = lookups;
  for (let i = 0; i < 20; i++) {
    const [a, g] = await Promise.all([
      store.admin.findInstance('evolution', 'acme-wa'),
      store.admin.findInstance('evolution', 'globex-wa'),
    ]);
    assert.equal(a?.tenantId, 'acme');
    assert.equal(a?.apikey, 'acme-key');
    assert.equal(g?.tenantId, 'globex');
    assert.equal(g?.apikey, 'globex-key');
  }
  assert.equal(lookups, before, 'no lookup reached the database');
  assert.equal(await store.admin.findInstance('cloud', 'acme-wa'), undefined, 'another provider: unknown');
  assert.equal(await store.admin.findInstance('evolution', 'nobody-wa'), undefined);
  assert.equal(await store.admin.findInstance('evolution', 'nobody-wa'), undefined);
  assert.equal(lookups, before + 3, 'an unknown name is asked every time');
  // A caller that changes what it got does not change what the next one gets.
  const got = await store.admin.findInstance('evolution', 'acme-wa');
  if (got) got.apikey = 'tampered';
  assert.equal(await apikeyOf('acme-wa'), 'acme-key');
});

test('a change through this store applies to the very next lookup', { skip }, async () => {
  await store.admin.updateInstance((await store.admin.findInstance('evolution', 'acme-wa'))?.id ?? '', {
    apikey: 'acme-key-2',
  });
  assert.equal(await apikeyOf('acme-wa'), 'acme-key-2');
  assert.equal(await apikeyOf('globex-wa'), 'globex-key');
});

test("another process's change (the CLI's way) and SQL by hand reach the lookups", { skip }, async () => {
  const acme = await other.admin.findInstance('evolution', 'acme-wa');
  await other.admin.updateInstance(acme?.id ?? '', { apikey: 'acme-key-3' });
  await eventually(async () => (await apikeyOf('acme-wa')) === 'acme-key-3', 5000, 'the new key');
  await cached('acme-wa');
  assert.equal(await apikeyOf('acme-wa'), 'acme-key-3', 'and it stays');

  await sqlClient.query(`update instances set number = '573009998877' where name = 'globex-wa'`);
  await eventually(
    async () => (await store.admin.findInstance('evolution', 'globex-wa'))?.number === '573009998877',
    5000,
    'the number set by SQL',
  );

  // Removed by another process: unknown, and asked every time.
  await other.admin.removeInstance('evolution', 'globex-wa');
  await eventually(
    async () => (await store.admin.findInstance('evolution', 'globex-wa')) === undefined,
    5000,
    'the removed instance unknown',
  );
  await other.admin.createInstance({
    tenantId: 'globex',
    provider: 'evolution',
    name: 'globex-wa',
    apikey: 'globex-key',
  });
});

test('the state a node writes on every webhook notifies nobody; a setting does', { skip }, async () => {
  // A listener of its own: notifications arrive in commit order, so the marker's says all before it came.
  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  const heard: string[] = [];
  listener.on('notification', (n) => heard.push(n.channel));
  await listener.query('listen newton_instances');
  await listener.query('listen marker');
  const marked = async () => {
    await sqlClient.query(`select pg_notify('marker', '')`);
    await eventually(() => heard.at(-1) === 'marker', 5000, 'the marker');
    return heard.splice(0).slice(0, -1);
  };
  try {
    await cached('acme-wa');
    const before = lookups;
    // What instance-state.ts writes as webhooks and session events come.
    await sqlClient.query(
      `update instances set state = 'open', state_reason = null, state_since = $1, last_webhook_at = $1
        where name = 'acme-wa'`,
      [Date.now()],
    );
    assert.deepEqual(await marked(), [], 'no notification for the state columns');
    assert.equal(await apikeyOf('acme-wa'), 'acme-key-3');
    assert.equal(lookups, before, 'answered from memory');
    await sqlClient.query(`update instances set base_url = 'http://evolution.local' where name = 'acme-wa'`);
    assert.deepEqual(await marked(), ['newton_instances'], 'a setting notifies');
    await sqlClient.query('begin');
    await sqlClient.query(`update instances set number = null where name = 'acme-wa'`);
    await sqlClient.query(`update instances set number = null where name = 'globex-wa'`);
    await sqlClient.query('commit');
    assert.deepEqual(await marked(), ['newton_instances'], 'one per transaction');
  } finally {
    await listener.end();
  }
});

test('a store opened without the cache (a `newton` command) asks the database every time and never listens', {
  skip,
}, async () => {
  const listening = async () =>
    (
      await sqlClient.query(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and query = 'listen newton_instances'`,
      )
    ).rows[0].n as number;
  // The two caching stores of this file listen (both have looked instances up).
  await eventually(async () => (await listening()) === 2, 5000, "the two stores' listening connections");
  const command = await Store.open({ dataDir: dir, databaseUrl: database.url, cacheInstances: false });
  // A caching store doing the same lookups at the same time: its listening connection shows when
  // the command's would have.
  const caching = await Store.open({ dataDir: dir, databaseUrl: database.url });
  try {
    const pool = command.pool as pg.Pool;
    let asked = 0;
    const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
    pool.query = ((config: pg.QueryConfig) => {
      if (config.name === 'newton_find_instance') asked++;
      return query(config);
    }) as typeof pool.query;
    let lookups = 0;
    await eventually(
      async () => {
        const [a] = await Promise.all([
          command.admin.findInstance('evolution', 'acme-wa'),
          caching.admin.findInstance('evolution', 'acme-wa'),
        ]);
        assert.equal(a?.tenantId, 'acme');
        lookups++;
        return (await listening()) >= 3;
      },
      5000,
      "the caching store's listening connection",
    );
    await command.admin.findInstance('evolution', 'acme-wa');
    assert.equal(asked, lookups + 1, "every one of the command's lookups asked the database");
    assert.equal(await listening(), 3, 'no listening connection of its own');
  } finally {
    await caching.close();
    await command.close();
  }
});

test('its connection lost, every lookup reads the database until it listens again', { skip }, async () => {
  const killed = await sqlClient.query(
    `select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query = 'listen newton_instances' and pid <> pg_backend_pid()`,
  );
  assert.equal(killed.rowCount, 2, "both stores' listening connections");
  // Until the store sees its connection gone, a change made now would not be announced to it:
  // wait for the lookups to reach the database, then change.
  await eventually(
    async () => {
      const before = lookups;
      await store.admin.findInstance('evolution', 'acme-wa');
      return lookups > before;
    },
    5000,
    'lookups reaching the database',
  );
  await sqlClient.query(`update instances set apikey = 'acme-key-5' where name = 'acme-wa'`);
  assert.equal(await apikeyOf('acme-wa'), 'acme-key-5', 'read from the database');
  // It listens again (after a short wait) and holds instances again; changes reach it again.
  await cached('acme-wa');
  await sqlClient.query(`update instances set apikey = 'acme-key-6' where name = 'acme-wa'`);
  await eventually(async () => (await apikeyOf('acme-wa')) === 'acme-key-6', 5000, 'the next key');
});

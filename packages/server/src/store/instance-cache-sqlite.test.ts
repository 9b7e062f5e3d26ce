/**
 * The instance cache of the webhook path on SQLite (instance-cache-sqlite.ts,
 * migration 022): an instance is read from the database once, and a change
 * made through this store applies to the very next lookup, and one made by
 * anyone else — another process's store (as the `newton` CLI opens one), SQL
 * by hand, a tenant's deletion cascading to its instances — to the lookups
 * of the next turn of the event loop; the state a node writes on every
 * webhook does not empty it. SQLite only (PostgreSQL: instance-cache.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { Store } from './index.js';

const skip = process.env.NEWTON_TEST_DB === 'postgres' ? 'SQLite only' : false;

let store: Store;
/** Another process's store on the same file, as the `newton` CLI opens one. */
let other: Store;
/** SQL by hand, on a connection of its own. */
let byHand: BetterSqlite3.Database;
const dir = mkdtempSync(path.join(tmpdir(), 'newton-instance-cache-sqlite-'));
/** Lookups of `store` that reached the database. */
let lookups = 0;

before(async () => {
  if (skip) return;
  store = await Store.open({ dataDir: dir, checkpointIntervalMs: 0, searchIndexIntervalMs: 0 });
  other = await Store.open({
    dataDir: dir,
    checkpointIntervalMs: 0,
    searchIndexIntervalMs: 0,
    cacheInstances: false,
  });
  byHand = new BetterSqlite3(path.join(dir, 'newton.sqlite'));
  byHand.pragma('busy_timeout = 5000');
  byHand.pragma('foreign_keys = ON');
  for (const t of ['acme', 'globex', 'initech']) {
    await store.admin.createTenant(t, null);
    await store.admin.createInstance({
      tenantId: t,
      provider: 'evolution',
      name: `${t}-wa`,
      apikey: `${t}-key`,
    });
  }
  const run = store.db.executeQuery.bind(store.db);
  store.db.executeQuery = ((query: CompiledQuery) => {
    if (/from "instances"/.test(query.sql)) lookups++;
    return run(query);
  }) as typeof store.db.executeQuery;
});
after(async () => {
  if (skip) return;
  byHand.close();
  await other.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const find = (name: string) => store.admin.findInstance('evolution', name);

/** The next turn of the event loop: where a webhook that arrives after a change is looked up. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** How many of `names`' lookups, done now, reached the database. */
async function asked(...names: string[]): Promise<number> {
  const before = lookups;
  for (const name of names) await find(name);
  return lookups - before;
}

test('an instance is read from the database once; each name is its own, of its own tenant', {
  skip,
}, async () => {
  await asked('acme-wa', 'globex-wa');
  const before = lookups;
  for (let i = 0; i < 20; i++) {
    const [a, g] = await Promise.all([find('acme-wa'), find('globex-wa')]);
    assert.equal(a?.tenantId, 'acme');
    assert.equal(a?.apikey, 'acme-key');
    assert.equal(g?.tenantId, 'globex');
    assert.equal(g?.apikey, 'globex-key');
  }
  assert.equal(lookups, before, 'no lookup reached the database');
  assert.equal(await store.admin.findInstance('cloud', 'acme-wa'), undefined, 'another provider: unknown');
  assert.equal(await asked('nobody-wa', 'nobody-wa'), 2, 'an unknown name is asked every time');
  // A caller that changes what it got does not change what the next one gets.
  const got = await find('acme-wa');
  if (got) got.apikey = 'tampered';
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key');
});

test('a change through this store applies to the very next lookup', { skip }, async () => {
  await asked('acme-wa');
  await store.admin.updateInstance((await find('acme-wa'))?.id ?? '', { apikey: 'acme-key-2' });
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-2');
  assert.equal((await find('globex-wa'))?.apikey, 'globex-key');
});

test("another process's change (the CLI's way) and SQL by hand apply to the next turn's lookups", {
  skip,
}, async () => {
  await asked('acme-wa', 'globex-wa', 'initech-wa');
  const acme = await other.admin.findInstance('evolution', 'acme-wa');
  await other.admin.updateInstance(acme?.id ?? '', { apikey: 'acme-key-3' });
  await nextTurn();
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-3');
  assert.equal(await asked('acme-wa'), 0, 'and it is kept again');

  byHand.prepare(`update instances set number = '573009998877' where name = 'globex-wa'`).run();
  await nextTurn();
  assert.equal((await find('globex-wa'))?.number, '573009998877');

  // Removed by another process: unknown, and asked every time.
  await other.admin.removeInstance('evolution', 'globex-wa');
  await nextTurn();
  assert.equal(await find('globex-wa'), undefined);
  assert.equal(await asked('globex-wa'), 1);

  // A tenant deleted by hand takes its instances with it (foreign key cascade): the cache knows.
  assert.equal((await find('initech-wa'))?.tenantId, 'initech');
  byHand.prepare(`delete from tenants where id = 'initech'`).run();
  await nextTurn();
  assert.equal(await find('initech-wa'), undefined, "the deleted tenant's instance");

  // A change rolled back by hand changes nothing.
  await asked('acme-wa');
  byHand.exec(`begin; update instances set apikey = 'never' where name = 'acme-wa'; rollback;`);
  await nextTurn();
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-3');
});

test('the state a node writes on every webhook keeps the cache; a setting empties it', { skip }, async () => {
  await asked('acme-wa');
  // What instance-state.ts writes as webhooks and session events come.
  byHand
    .prepare(
      `update instances set state = 'open', state_reason = null, state_since = ?, last_webhook_at = ?
        where name = 'acme-wa'`,
    )
    .run(Date.now(), Date.now());
  await nextTurn();
  assert.equal(await asked('acme-wa'), 0, 'answered from memory');
  byHand.prepare(`update instances set base_url = 'http://evolution.local' where name = 'acme-wa'`).run();
  await nextTurn();
  assert.equal(await asked('acme-wa'), 1, 'a setting: read again');
  assert.equal((await find('acme-wa'))?.baseUrl, 'http://evolution.local');
});

test('the cache answers from memory only: without its trigger, a change by hand goes unseen', {
  skip,
}, async () => {
  // The proof that a lookup was not made: the version is all that tells the cache of a change.
  await asked('acme-wa');
  const trigger = byHand
    .prepare(`select sql from sqlite_master where name = 'instance_version_au'`)
    .pluck()
    .get() as string;
  byHand.exec('drop trigger instance_version_au');
  try {
    byHand.prepare(`update instances set apikey = 'unseen' where name = 'acme-wa'`).run();
    await nextTurn();
    assert.equal((await find('acme-wa'))?.apikey, 'acme-key-3', 'the kept copy');
  } finally {
    byHand.exec(trigger);
    byHand.prepare(`update instances set apikey = 'acme-key-3' where name = 'acme-wa'`).run();
  }
  await nextTurn();
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-3');
});

test("another process's change reaches the next turn: the lookups of its own turn are as good as in flight", {
  skip,
}, async () => {
  await nextTurn();
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-3', 'the version read in this turn');
  byHand.prepare(`update instances set apikey = 'acme-key-4' where name = 'acme-wa'`).run();
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-3', 'the same turn');
  await nextTurn();
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-4', 'the next turn');
  // Through this store: the very next lookup, in the same turn.
  await store.admin.updateInstance((await find('acme-wa'))?.id ?? '', { apikey: 'acme-key-3' });
  assert.equal((await find('acme-wa'))?.apikey, 'acme-key-3');
});

test('a store opened without the cache (a `newton` command) asks the database every time', {
  skip,
}, async () => {
  const run = other.db.executeQuery.bind(other.db);
  let asks = 0;
  other.db.executeQuery = ((query: CompiledQuery) => {
    if (/from "instances"/.test(query.sql)) asks++;
    return run(query);
  }) as typeof other.db.executeQuery;
  try {
    for (let i = 0; i < 3; i++) await other.admin.findInstance('evolution', 'acme-wa');
    assert.equal(asks, 3);
  } finally {
    other.db.executeQuery = run;
  }
});

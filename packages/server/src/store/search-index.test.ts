/**
 * The search index of migrations 015 and 018 (#15 §6), at the store: rows
 * that were there before the migrations are indexed by them (leaving out
 * messages deleted for everyone, diagnostics probes and text-less ones; 018:
 * with the name agents gave a lead), and
 * the triggers follow writes that go around the webhook path (a row deleted,
 * a probe flag set, a lead renamed, its agents' name set or removed) — on
 * SQLite and PostgreSQL alike.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import { Store } from './index.js';

let dir: string;
let database: TestDatabase;
let store: Store;
// No indexing on a timer (SQLite, migration 020): only a search indexes what is queued, so each step below
// meets the queue as it left it.
const open = () =>
  Store.open({ dataDir: dir, databaseUrl: database.url, checkpointIntervalMs: 0, searchIndexIntervalMs: 0 });

const T0 = Date.UTC(2026, 0, 1);

async function seed(s: Store): Promise<void> {
  for (const tenant of ['idx_a', 'idx_b']) {
    await s.db.insertInto('tenants').values({ id: tenant, name: null, created_at: T0 }).execute();
    await s.db
      .insertInto('instances')
      .values({
        id: `${tenant}-inst`,
        tenant_id: tenant,
        provider: 'evolution',
        name: `${tenant}-wa`,
        number: null,
        apikey: null,
        webhook_secret: null,
        base_url: null,
        app_secret: null,
        verify_token: null,
        created_at: T0,
        state_reason: null,
        state_detail: null,
        state_since: null,
        last_webhook_at: null,
      })
      .execute();
    await s.db
      .insertInto('leads')
      .values({
        id: `${tenant}-lead`,
        tenant_id: tenant,
        phone: tenant === 'idx_a' ? '+573001112233' : '+573009998877',
        wa_lid: null,
        name: tenant === 'idx_a' ? 'Ana María Restrepo' : 'Bruno Díaz',
        // The same name given by agents (migration 017) in both tenants.
        display_name: 'Doña Remedios',
        picture_url: null,
        attribution: null,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    await s.db
      .insertInto('conversations')
      .values({
        id: `${tenant}-conv`,
        tenant_id: tenant,
        lead_id: `${tenant}-lead`,
        instance_id: `${tenant}-inst`,
        status: 'open',
        unread_count: 0,
        last_message_at: T0,
        last_message_id: null,
        last_message_preview: null,
        reply_to: null,
        last_read_at: null,
        snoozed_until: null,
        notes_count: 0,
        labels: '[]',
        created_at: T0,
        updated_at: T0,
      })
      .execute();
  }
  const rows: [id: string, tenant: string, content: string | null, extra: string | null, probe: number][] = [
    ['m-kept', 'idx_a', 'Necesito la factura del televisor', null, 0],
    ['m-caption', 'idx_a', 'Foto del televisor rayado', '{"media":{"mime_type":"image/jpeg"}}', 0],
    ['m-deleted', 'idx_a', 'Mi televisor secreto', '{"deleted_at":"2026-01-01T00:00:00.000Z"}', 0],
    ['m-probe', 'idx_a', 'televisor newton-probe', null, 1],
    ['m-empty', 'idx_a', null, null, 0],
    ['m-other', 'idx_b', 'Otro televisor de otro tenant', null, 0],
  ];
  for (const [id, tenant, content, extra, probe] of rows)
    await addMessage(s, id, tenant, content, extra, probe);
}

let seq = 0;

/** A message row written straight into the store, as the webhook path's triggers see it. */
async function addMessage(
  s: Store,
  id: string,
  tenant: string,
  content: string | null,
  extra: string | null = null,
  probe = 0,
): Promise<void> {
  await s.db
    .insertInto('messages')
    .values({
      id,
      tenant_id: tenant,
      conversation_id: `${tenant}-conv`,
      lead_id: `${tenant}-lead`,
      instance_id: `${tenant}-inst`,
      provider: 'evolution',
      provider_message_id: `P-${id}`,
      direction: 'inbound',
      sender: 'lead',
      type: 'text',
      content,
      status: 'delivered',
      timestamp: T0 + ++seq * 1000,
      extra,
      is_probe: probe,
      arrival_seq: seq,
      created_at: T0,
      client_id: null,
      sender_user_id: null,
      status_error: null,
      status_at: null,
      send_attempts: 0,
      send_lease_until: null,
    })
    .execute();
}

/**
 * Removes what migrations 015 and 020 made and forgets that they and 018 ran:
 * the next open runs all three again over the rows.
 */
async function unmigrate(s: Store): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(s.db);
  if (s.dialect === 'sqlite') {
    for (const t of ['message_search_ai', 'message_search_ad', 'message_search_au'])
      await run(`drop trigger ${t}`);
    for (const t of ['lead_search_ai', 'lead_search_ad', 'lead_search_au']) await run(`drop trigger ${t}`);
    for (const t of [
      'message_fts',
      'message_search_docs',
      'message_search_queue',
      'lead_fts',
      'lead_search_docs',
    ])
      await run(`drop table ${t}`);
  } else {
    await run('drop trigger message_search_sync on messages');
    await run('drop trigger lead_search_sync on leads');
    await run('drop table message_search');
    await run('drop table lead_search');
    await run('drop function newton_message_search()');
    await run('drop function newton_lead_search()');
    await run('drop function newton_fold(text)');
  }
  await run(
    `delete from newton_migrations where name in ('015-search', '018-lead-search-display-name', '020-search-queue')`,
  );
}

const found = async (tenant: string, q: string) =>
  (await store.search.search(tenant, { q, limit: 50 })).messages.map((h) => h.message.id).sort();

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'newton-search-index-'));
  database = await createTestDatabase();
  const first = await open();
  await seed(first);
  await unmigrate(first);
  await first.close();
  store = await open();
});
after(async () => {
  await store?.close();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('the migration indexes the rows already there: not deleted ones, probes or other tenants', async () => {
  assert.deepEqual(await found('idx_a', 'televisor'), ['m-caption', 'm-kept']);
  assert.deepEqual(await found('idx_b', 'televisor'), ['m-other']);
  const leads = (await store.search.search('idx_a', { q: 'restrepo', limit: 20 })).leads;
  assert.deepEqual(
    leads.map((l) => l.lead.id),
    ['idx_a-lead'],
  );
  assert.deepEqual((await store.search.search('idx_b', { q: 'restrepo', limit: 20 })).leads, []);
  // The name agents gave (018), in each tenant for its own lead only.
  for (const tenant of ['idx_a', 'idx_b']) {
    const named = (await store.search.search(tenant, { q: 'dona remedios', limit: 20 })).leads;
    assert.deepEqual(
      named.map((l) => [l.lead.id, l.lead.name]),
      [[`${tenant}-lead`, 'Doña Remedios']],
    );
  }
});

test('the triggers follow writes made outside the webhook path', async () => {
  // A row deleted (as probe clean-up and lead merges do) leaves the index with it.
  await store.db.deleteFrom('messages').where('id', '=', 'm-caption').execute();
  assert.deepEqual(await found('idx_a', 'televisor'), ['m-kept']);
  // A message marked deleted for everyone, then a probe flag: out of the index.
  await store.db
    .updateTable('messages')
    .set({ extra: '{"deleted_at":"2026-01-02T00:00:00.000Z"}' })
    .where('id', '=', 'm-kept')
    .execute();
  assert.deepEqual(await found('idx_a', 'factura'), []);
  await store.db.updateTable('messages').set({ is_probe: 1 }).where('id', '=', 'm-other').execute();
  assert.deepEqual(await found('idx_b', 'televisor'), []);
  // A lead renamed is found by its new name only.
  await store.db.updateTable('leads').set({ name: 'Bruna Dávila' }).where('id', '=', 'idx_b-lead').execute();
  assert.deepEqual((await store.search.search('idx_b', { q: 'bruno', limit: 20 })).leads, []);
  assert.equal((await store.search.search('idx_b', { q: 'davila', limit: 20 })).leads.length, 1);
  // So is one whose agents' name changes, and one whose agents' name is removed leaves its hits.
  const leadsOf = async (q: string) =>
    (await store.search.search('idx_a', { q, limit: 20 })).leads.map((l) => l.lead.id);
  await store.db
    .updateTable('leads')
    .set({ display_name: 'Tía Cleo' })
    .where('id', '=', 'idx_a-lead')
    .execute();
  assert.deepEqual([await leadsOf('remedios'), await leadsOf('cleo tia')], [[], ['idx_a-lead']]);
  await store.db.updateTable('leads').set({ display_name: null }).where('id', '=', 'idx_a-lead').execute();
  assert.deepEqual([await leadsOf('cleo'), await leadsOf('restrepo')], [[], ['idx_a-lead']]);
  if (store.dialect === 'sqlite') {
    // Mapping rows and index rows stay one for one, and nothing is left queued (migration 020).
    const { rows } = await sql<{ docs: number; queued: number }>`
      select (select count(*) from message_search_docs) as docs,
             (select count(*) from message_search_queue) as queued`.execute(store.db);
    assert.deepEqual([Number(rows[0]?.docs), Number(rows[0]?.queued)], [0, 0]);
  }
});

test('a message is found by the first search after it is stored, and an edit or deletion before it was indexed leaves nothing behind', async () => {
  const queued = async () =>
    store.dialect === 'sqlite'
      ? Number(
          (await sql<{ n: number }>`select count(*) as n from message_search_queue`.execute(store.db)).rows[0]
            ?.n,
        )
      : 0;
  await addMessage(store, 'q-1', 'idx_a', 'Quiero cotizar una nevera');
  await addMessage(store, 'q-2', 'idx_a', 'Una nevera usada');
  await addMessage(store, 'q-other', 'idx_b', 'Nevera de otro tenant');
  if (store.dialect === 'sqlite') assert.equal(await queued(), 3);
  // Still queued: one deleted, one edited (its number may be given again to the next message).
  await store.db.deleteFrom('messages').where('id', '=', 'q-2').execute();
  await store.db
    .updateTable('messages')
    .set({ content: 'Quiero cotizar una lavadora' })
    .where('id', '=', 'q-1')
    .execute();
  await addMessage(store, 'q-3', 'idx_a', 'Nevera nueva');
  assert.deepEqual(await found('idx_a', 'nevera'), ['q-3']);
  assert.equal(await queued(), 0);
  assert.deepEqual(await found('idx_a', 'lavadora'), ['q-1']);
  assert.deepEqual(await found('idx_a', 'cotizar'), ['q-1']);
  assert.deepEqual(await found('idx_b', 'nevera'), ['q-other']);
  // Indexed, then deleted: gone; the next message (which may take its number) is found alone.
  await store.db.deleteFrom('messages').where('id', '=', 'q-3').execute();
  await addMessage(store, 'q-4', 'idx_a', 'Otra nevera');
  assert.deepEqual(await found('idx_a', 'nevera'), ['q-4']);
  assert.deepEqual(await found('idx_a', 'nueva'), []);
});

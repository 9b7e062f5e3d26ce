/**
 * Group commit (SQLite): concurrent writes share a transaction, and one that
 * fails does not take the others down with it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import type { InboundMessage } from '../core/index.js';
import { Store, UnknownTenantError } from './index.js';

let store: Store;
let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'newton-batch-'));
let instanceId = '';

before(async () => {
  database = await createTestDatabase();
  store = await Store.open({ dataDir: dir, databaseUrl: database.url });
  await store.admin.createTenant('batch', null);
  instanceId = (
    await store.admin.createInstance({ tenantId: 'batch', provider: 'evolution', name: 'batch-wa' })
  ).id;
});
after(async () => {
  await store.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const message = (tenantId: string, id: string): InboundMessage => ({
  tenantId,
  instanceId,
  provider: 'evolution',
  providerMessageId: id,
  lead: { phone: '+573001112233', lid: null, name: null },
  replyTo: '573001112233@s.whatsapp.net',
  direction: 'inbound',
  sender: 'lead',
  type: 'text',
  content: id,
  status: 'delivered',
  timestamp: Date.now(),
  extra: {},
});

test('concurrent writes all commit with gapless seqs; a failing one is rejected alone', async () => {
  const results = await Promise.allSettled([
    ...Array.from({ length: 40 }, (_, i) => store.inbound.message(message('batch', `ok-${i}`))),
    store.inbound.message(message('no-such-tenant', 'bad')),
    ...Array.from({ length: 40 }, (_, i) => store.inbound.message(message('batch', `ok-b-${i}`))),
    store.inbound.message(message('batch', 'ok-0')), // a duplicate inside the same burst
  ]);
  const rejected = results.filter((r) => r.status === 'rejected');
  assert.equal(rejected.length, 1);
  assert.ok((rejected[0] as PromiseRejectedResult).reason instanceof UnknownTenantError);
  const fulfilled = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.equal(fulfilled.filter((r) => r.outcome === 'stored').length, 80);
  assert.equal(fulfilled.filter((r) => r.outcome === 'duplicate').length, 1);
  const seqs = fulfilled.flatMap((r) => r.events.map((e) => e.seq)).sort((a, b) => a - b);
  assert.deepEqual(
    seqs,
    Array.from({ length: 81 }, (_, i) => i + 1),
    'lead_created + 80 messages',
  );
  const stored = await store.readEvents('batch', 0, 1000, 1000);
  assert.equal(stored.length, 81, 'everything resolved as stored is in the log');
});

test('recovered messages (backfill) yield to webhooks: a webhook queued behind 100 of them commits first', async () => {
  const order: string[] = [];
  const note = (id: string) => (r: unknown) => {
    order.push(id);
    return r;
  };
  const recovered = Array.from({ length: 100 }, (_, i) =>
    store.inbound.message({ ...message('batch', `rec-${i}`), recovered: true }).then(note(`rec-${i}`)),
  );
  const live = store.inbound.message(message('batch', 'live-1')).then(note('live-1'));
  await Promise.all([...recovered, live]);
  // SQLite: the webhook's transaction is the first, without recovered ones. PostgreSQL has no
  // group commit: each write is its own transaction, in no set order.
  if (store.dialect === 'sqlite')
    assert.equal(order.indexOf('live-1'), 0, `live at ${order.indexOf('live-1')}`);
  assert.equal(order.length, 101);
});

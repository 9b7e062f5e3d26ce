/**
 * Issue #13, "durable media": the `pending` record of a message's media is
 * written in the transaction that stores the message, by each write path
 * (a webhook's, on SQLite and PostgreSQL's one-statement path, and
 * backfill's chunks), so a node that stops right after the commit, before
 * its media keeper ran, leaves the media due for any node's sweep. A text
 * message gets no record, and a redelivery adds none. Both databases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import type { InboundMessage } from '../core/index.js';
import { Store } from './index.js';

let store: Store;
let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'newton-media-pending-'));
let instanceId = '';
const TENANT = 'mp';

before(async () => {
  database = await createTestDatabase();
  store = await Store.open({ dataDir: dir, databaseUrl: database.url });
  await store.admin.createTenant(TENANT, null);
  instanceId = (await store.admin.createInstance({ tenantId: TENANT, provider: 'evolution', name: 'mp-wa' }))
    .id;
});
after(async () => {
  await store.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const photo = (id: string, phone: string, withMedia = true): InboundMessage => ({
  tenantId: TENANT,
  instanceId,
  provider: 'evolution',
  providerMessageId: id,
  lead: { phone, lid: null, name: null },
  replyTo: `${phone.slice(1)}@s.whatsapp.net`,
  direction: 'inbound',
  sender: 'lead',
  type: withMedia ? 'image' : 'text',
  content: withMedia ? 'foto' : 'hola',
  status: 'delivered',
  timestamp: Date.now(),
  extra: withMedia
    ? {
        media: {
          mime_type: 'image/jpeg',
          size: 1234,
          file_name: null,
          seconds: null,
          provider_ref: 'https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m1',
        },
      }
    : {},
});

test('a stored photo is pending in the same commit; a text and a redelivery add nothing', async () => {
  const stored = await store.inbound.message(photo('MP-1', '+573001110001'));
  assert.equal(stored.outcome, 'stored');
  const record = await store.mediaState.record(TENANT, stored.messageId);
  assert.equal(record?.state, 'pending', 'tracked without the keeper');
  const due = await store.mediaState.due(Date.now() + 1, 100);
  assert.ok(
    due.some((d) => d.messageId === stored.messageId),
    'due at once for any sweep',
  );

  const again = await store.inbound.message(photo('MP-1', '+573001110001'));
  assert.deepEqual([again.outcome, again.messageId], ['duplicate', stored.messageId]);

  const text = await store.inbound.message(photo('MP-2', '+573001110001', false));
  assert.equal(text.outcome, 'stored');
  assert.equal(await store.mediaState.record(TENANT, text.messageId), undefined, 'no media, no record');
});

test('a photo recovered by backfill is pending in its chunk’s commit', async () => {
  const items = ['MP-R1', 'MP-R2'].map((id, i) => ({
    message: { ...photo(id, '+573001110002', i === 0), recovered: true },
  }));
  const results = (await Promise.all(store.inbound.recovered(items))).flat();
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['stored', 'stored'],
  );
  const [withMedia, without] = results;
  assert.equal((await store.mediaState.record(TENANT, withMedia?.messageId as string))?.state, 'pending');
  assert.equal(await store.mediaState.record(TENANT, without?.messageId as string), undefined);
});

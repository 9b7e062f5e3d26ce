/**
 * Messages recovered by backfill, a chunk per transaction (inbound.recovered,
 * store/ingest-recovered.ts): what a user of the CRM sees must be what the
 * webhooks would have given. A message its webhook stored meanwhile is a
 * duplicate (no receipt, no event, so nothing published twice); the events
 * follow the messages' order with gapless seqs, across chunks and around an
 * outbound record (stored by the webhook's own path); a new customer gets
 * one lead and one conversation; a lead that learns a name gets
 * lead_updated. Both databases.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import type { InboundMessage, IngestResult, RecoveredMessage, TenantEvent } from '../core/index.js';
import { Store } from './index.js';

let store: Store;
let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'newton-recovered-'));
let instanceId = '';
const TENANT = 'rec';

before(async () => {
  database = await createTestDatabase();
  store = await Store.open({ dataDir: dir, databaseUrl: database.url });
  await store.admin.createTenant(TENANT, null);
  instanceId = (await store.admin.createInstance({ tenantId: TENANT, provider: 'evolution', name: 'rec-wa' }))
    .id;
});
after(async () => {
  await store.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

let clock = Date.now() - 3_600_000;
const message = (
  id: string,
  phone: string,
  opts: { name?: string | null; outbound?: boolean } = {},
): InboundMessage => ({
  tenantId: TENANT,
  instanceId,
  provider: 'evolution',
  providerMessageId: id,
  lead: { phone, lid: null, name: opts.name ?? null },
  replyTo: `${phone.slice(1)}@s.whatsapp.net`,
  direction: opts.outbound ? 'outbound' : 'inbound',
  sender: opts.outbound ? 'agent' : 'lead',
  type: 'text',
  content: id,
  status: opts.outbound ? 'sent' : 'delivered',
  timestamp: clock++,
  extra: {},
  recovered: true,
});

const item = (m: InboundMessage): RecoveredMessage => ({
  message: m,
  receipt: {
    id: randomUUID(),
    receivedAt: Date.now(),
    provider: 'evolution',
    event: 'backfill',
    instanceName: 'rec-wa',
    tenantId: TENANT,
    instanceId,
    outcome: 'backfilled',
    reason: null,
    providerMessageId: m.providerMessageId,
    messageId: null,
    traceId: 'backfill-test',
    bodySize: 0,
    senderNumber: null,
    bodyExcerpt: null,
  },
});

const recover = async (ms: InboundMessage[]): Promise<IngestResult[]> =>
  (await Promise.all(store.inbound.recovered(ms.map(item)))).flat();

const frame = (e: TenantEvent) => JSON.parse(e.frame) as Record<string, unknown> & { seq: number };

test('a page: a message its webhook stored is a duplicate, the rest in order with gapless seqs', async () => {
  // The webhook of one of them came before the backfill got to it.
  const live = await store.inbound.message({ ...message('w-5', '+573001110005'), recovered: false });
  assert.equal(live.outcome, 'stored');
  const head = (await store.logState(TENANT))?.lastSeq ?? 0;
  // 30 messages of 10 customers (more than one chunk), one already stored, one repeated,
  // one reply sent from the phone (outbound: the webhook's own path) in the middle.
  const page: InboundMessage[] = [];
  for (let i = 0; i < 30; i++) {
    const id = i === 5 ? 'w-5' : `r-${i}`;
    page.push(message(id, `+57300111000${i % 10}`, { outbound: i === 12 }));
  }
  page.push(message('r-3', '+573001110003'));
  const results = await recover(page);

  assert.equal(results.length, 31);
  assert.deepEqual(
    results.map((r, i) => [i, r.outcome]).filter(([, o]) => o !== 'stored'),
    [
      [5, 'duplicate'],
      [30, 'duplicate'],
    ],
  );
  assert.equal(results[5]?.messageId, live.messageId);
  const events = results.flatMap((r) => r.events);
  assert.deepEqual(
    events.map((e) => e.seq),
    Array.from({ length: events.length }, (_, i) => head + i + 1),
    'gapless, in the order of the page',
  );
  const logged = await store.readEvents(TENANT, head, head + 1000, 1000);
  assert.deepEqual(
    logged.map((e) => e.frame),
    events.map((e) => e.frame),
    'the log holds exactly what is published',
  );
  const newMessages = events.map(frame).filter((f) => f.type === 'new_message');
  assert.equal(newMessages.length, 29);
  assert.ok(newMessages.every((f) => f.recovered === true));
  // Each new_message's arrival order is its seq; its message is the one at that place in the page.
  const stored = page.filter((_, i) => i !== 5 && i !== 30).map((m) => m.providerMessageId);
  assert.deepEqual(
    newMessages.map((f) => (f.message as { provider_message_id: string }).provider_message_id),
    stored,
  );
  // Customer 5 came with the webhook; the other 9 are new leads, created once.
  assert.equal(events.map(frame).filter((f) => f.type === 'lead_created').length, 9);

  const receipts = await store.receipts.list({ tenantId: TENANT, outcome: 'backfilled', limit: 100 });
  assert.deepEqual(receipts.map((r) => r.providerMessageId).sort(), [...stored].sort());
  assert.ok(receipts.every((r) => r.messageId !== null));

  // One conversation per customer, holding every message; unread counts the inbound ones.
  const convs = new Set(results.map((r) => r.conversationId));
  assert.equal(convs.size, 10);
  const conv29 = results[29] as IngestResult;
  const convRow = await store.db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', conv29.conversationId)
    .executeTakeFirstOrThrow();
  assert.equal(Number(convRow.unread_count), 3, 'r-9, r-19, r-29');
  assert.equal(convRow.last_message_id, conv29.messageId);
  const msgRow = await store.db
    .selectFrom('messages')
    .select(['arrival_seq'])
    .where('id', '=', conv29.messageId)
    .executeTakeFirstOrThrow();
  assert.equal(Number(msgRow.arrival_seq), events.at(-1)?.seq);

  // Again (a periodic run): everything is a duplicate, nothing appended.
  const again = await recover(page);
  assert.ok(again.every((r) => r.outcome === 'duplicate' && r.events.length === 0));
  assert.equal((await store.logState(TENANT))?.lastSeq, events.at(-1)?.seq);
});

test('a known customer who tells a name: lead_updated before the message, once', async () => {
  const phone = '+573001119999';
  await store.inbound.message({ ...message('n-0', phone), recovered: false });
  const head = (await store.logState(TENANT))?.lastSeq ?? 0;
  const results = await recover([
    message('n-1', phone, { name: 'Ana' }),
    message('n-2', phone, { name: 'Ana' }),
  ]);
  const types = results.flatMap((r) => r.events.map((e) => `${e.seq}:${e.type}`));
  assert.deepEqual(types, [`${head + 1}:lead_updated`, `${head + 2}:new_message`, `${head + 3}:new_message`]);
  const lead = await store.db
    .selectFrom('leads')
    .select(['name'])
    .where('tenant_id', '=', TENANT)
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
  assert.equal(lead.name, 'Ana');
});

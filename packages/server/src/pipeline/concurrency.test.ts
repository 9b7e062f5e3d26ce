/**
 * Concurrent webhooks for one tenant: every message stored once, seqs
 * allocated without gap or repeat, and every socket receives all of them in
 * seq order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';

let newton: TestNewton;
const N = 500;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('busy');
  await newton.addInstance({ tenantId: 'busy', name: 'busy-wa' });
});
after(() => newton.close());

test(`${N} webhooks posted concurrently → ${N} messages, gapless seqs, every socket gets all in order`, async () => {
  const post = (i: number, from: string) =>
    newton.evolution(
      upsertBody({ instance: 'busy-wa', sender: null, from, text: `msg ${i}`, pushName: 'Ana' }),
    );
  // One message first, so the lead exists and each of the N makes exactly one event.
  assert.equal((await post(-1, '573001112233')).status, 200);
  const sockets = await Promise.all(Array.from({ length: 5 }, () => newton.connect('busy')));
  const start = sockets[0]?.frames[0]?.last_seq as number;
  assert.equal(start, 2);

  const results = await Promise.all(Array.from({ length: N }, (_, i) => post(i, '573001112233')));
  assert.deepEqual(
    results.map((r) => r.status),
    Array(N).fill(200),
  );
  const ackedSeqs = results.flatMap((r) => r.body.seq as number[]).sort((a, b) => a - b);
  const expected = Array.from({ length: N }, (_, i) => start + 1 + i);
  assert.deepEqual(ackedSeqs, expected, 'each webhook got its own seq, no gap, no repeat');

  for (const s of sockets) {
    const events = await s.waitForEvents(N, 20_000);
    assert.deepEqual(
      events.map((e) => e.seq),
      expected,
    );
    assert.equal(new Set(events.map((e) => e.event_id)).size, N);
  }
  const texts = new Set(sockets[0]?.events().map((e) => (e.message as { content: string }).content));
  assert.equal(texts.size, N, 'every message arrived once');

  const conv = await newton.get('/api/conversations', await newton.token('busy'));
  const item = (conv.body.items as { id: string; unread_count: number }[])[0];
  assert.equal(item?.unread_count, N + 1);
  const page = await newton.get(
    `/api/conversations/${item?.id}/messages?limit=200`,
    await newton.token('busy'),
  );
  assert.equal((page.body.items as unknown[]).length, 200);
  assert.equal((await newton.node.store.logState('busy'))?.lastSeq, start + N);
});

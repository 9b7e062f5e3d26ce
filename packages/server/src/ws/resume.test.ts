/**
 * Recovery (docs/protocol.md §10): `since=` / `resume` replays exactly the missed
 * events from the event log, with their original seq and event_id, then
 * `resumed`, then live events — no gap, no duplicate. Out of range:
 * `resync_required`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { type Frame, TestNewton } from '../../testing/harness.js';

let newton: TestNewton;
let tenantSeq = 0;

/** A fresh tenant per test, so seqs start at 1. */
async function freshTenant(): Promise<{
  tenant: string;
  post: (text: string, from?: string) => Promise<void>;
}> {
  const tenant = `t${++tenantSeq}`;
  await newton.addTenant(tenant);
  await newton.addInstance({ tenantId: tenant, name: `${tenant}-wa` });
  return {
    tenant,
    post: async (text: string, from = '573001112233') => {
      const res = await newton.evolution(upsertBody({ instance: `${tenant}-wa`, sender: null, text, from }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
    },
  };
}

const seqs = (frames: Frame[]) => frames.map((f) => f.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Each scenario twice: replays served from the in-memory cache of recent
// events, and (cache off) read from the event log.
for (const [label, replayCacheEvents] of [
  ['from the replay cache', 256],
  ['from the event log', 0],
] as const) {
  describe(`resume ${label}`, () => {
    before(async () => {
      newton = await TestNewton.start({ replayCacheEvents });
    });
    after(() => newton.close());

    test('reconnecting with since=N gets exactly the missed events, in order, with original seq and event_id', async () => {
      const { tenant, post } = await freshTenant();
      const watcher = await newton.connect(tenant);
      const agent = await newton.connect(tenant);
      await post('one'); // lead_created + new_message: seq 1, 2
      await agent.waitForEvents(2);
      const lastSeen = agent.events().at(-1)?.seq as number;
      agent.close();

      await post('two');
      await post('three', '573009998877'); // a new lead: lead_created + new_message
      const all = await watcher.waitForEvents(5);

      const back = await newton.connect(tenant, { since: lastSeen });
      const resumed = await back.waitFor('resumed');
      assert.deepEqual([resumed.from, resumed.to, resumed.count], [lastSeen + 1, 5, 3]);
      const replayed = back.events();
      assert.deepEqual(seqs(replayed), [3, 4, 5]);
      assert.deepEqual(
        replayed.map((f) => f.event_id),
        all.slice(2).map((f) => f.event_id),
      );
      assert.deepEqual(replayed, all.slice(2), 'byte-identical events');
      // `resumed` comes after the replayed events and before anything live.
      const types = back.frames.map((f) => f.type);
      assert.equal(types.indexOf('resumed'), types.length - 1);

      await post('four');
      await back.waitForEvents(4);
      assert.deepEqual(seqs(back.events()), [3, 4, 5, 6]);
    });

    test('since equal to the last seq replays nothing and still says resumed', async () => {
      const { tenant, post } = await freshTenant();
      await post('one');
      const s = await newton.connect(tenant, { since: 2 });
      const r = await s.waitFor('resumed');
      assert.deepEqual([r.from, r.to, r.count], [3, 2, 0]);
      assert.equal(s.events().length, 0);
    });

    test('a resume frame on an open socket replays from that seq', async () => {
      const { tenant, post } = await freshTenant();
      await post('one');
      await post('two');
      const s = await newton.connect(tenant);
      assert.equal(s.frames[0]?.last_seq, 3);
      s.send({ type: 'resume', since: 1 });
      await s.waitFor('resumed');
      assert.deepEqual(seqs(s.events()), [2, 3]);
    });

    test('events that arrive during a replay follow it without gap or duplicate', async () => {
      const { tenant, post } = await freshTenant();
      for (let i = 0; i < 20; i++) await post(`before ${i}`);
      const s = await newton.socket(tenant, { since: 0 });
      const during = Promise.all(Array.from({ length: 30 }, (_, i) => post(`during ${i}`)));
      await during;
      const total = 1 + 20 + 30; // one lead_created, 50 messages
      await s.waitForEvents(total);
      await s.waitFor('resumed');
      assert.deepEqual(seqs(s.events()), range(1, total));
    });

    test('sockets resuming at once from the same or other seqs, before and after a new event, each get exactly theirs', async () => {
      const { tenant, post } = await freshTenant();
      const keeper = await newton.connect(tenant); // keeps the tenant's stream (and cache) alive
      await post('one'); // seq 1, 2
      await post('two'); // 3
      await post('three'); // 4
      await keeper.waitForEvents(4);
      // Several sockets from the same since share one prebuilt replay; others differ.
      const fromOne = await Promise.all([1, 1, 1].map((since) => newton.connect(tenant, { since })));
      const fromTwo = await newton.connect(tenant, { since: 2 });
      // A socket on fewer channels gets only its channels' events, and a count to match.
      const narrow = await newton.connect(tenant);
      narrow.send({ type: 'unsubscribe', channels: ['leads'] });
      await narrow.waitFor('unsubscribed');
      narrow.send({ type: 'resume', since: 0 });
      for (const s of fromOne) {
        const r = await s.waitFor('resumed');
        assert.deepEqual([r.from, r.to, r.count], [2, 4, 3]);
        assert.deepEqual(seqs(s.events()), [2, 3, 4]);
      }
      assert.deepEqual((await fromTwo.waitFor('resumed')).count, 2);
      assert.deepEqual(seqs(fromTwo.events()), [3, 4]);
      const nr = await narrow.waitFor('resumed');
      assert.deepEqual([nr.from, nr.to, nr.count], [1, 4, 3]);
      assert.deepEqual(seqs(narrow.events()), [2, 3, 4], 'lead_created (seq 1) is on the leads channel');
      // After a new event the same since replays one more (from the log: the
      // page shared a moment ago ends before this socket's position, so it is read again).
      await post('four'); // 5
      await keeper.waitForEvents(5);
      const later = await newton.connect(tenant, { since: 1 });
      const lr = await later.waitFor('resumed');
      assert.deepEqual([lr.from, lr.to, lr.count], [2, 5, 4]);
      assert.deepEqual(seqs(later.events()), [2, 3, 4, 5]);
      for (const s of fromOne) {
        await s.waitForEvents(4);
        assert.deepEqual(seqs(s.events()), [2, 3, 4, 5], 'live after the replay, no gap or repeat');
      }
    });

    test('since ahead of the log → resync_required with the log bounds', async () => {
      const { tenant, post } = await freshTenant();
      await post('one');
      const s = await newton.connect(tenant, { since: 999 });
      const r = await s.waitFor('resync_required');
      assert.equal(r.reason, 'ahead_of_log');
      assert.equal(r.last_seq, 2);
      await post('two');
      const live = await s.waitFor('new_message');
      assert.equal(live.seq, 3, 'live events continue after a resync');
    });

    test('since older than the retained history → resync_required', async () => {
      const { tenant, post } = await freshTenant();
      for (let i = 0; i < 4; i++) await post(`m${i}`);
      await newton.node.store.pruneEvents(tenant, 3);
      // No socket has kept the tenant's stream (and its cache) alive: the log decides.
      const s = await newton.connect(tenant, { since: 1 });
      const r = await s.waitFor('resync_required');
      assert.equal(r.reason, 'history_pruned');
      assert.equal(r.earliest_since, 3);
      assert.equal(s.events().length, 0);
      // From the edge of the retained history a replay still works.
      const ok = await newton.connect(tenant, { since: 3 });
      await ok.waitFor('resumed');
      assert.deepEqual(seqs(ok.events()), [4, 5]);
    });

    test('an invalid since on the URL gets an error frame and the socket stays live', async () => {
      const { tenant, post } = await freshTenant();
      const s = await newton.connect(tenant, { since: 'abc' as unknown as number });
      assert.equal((await s.waitFor('error')).code, 'invalid_payload');
      await post('x');
      await s.waitFor('new_message');
    });
  });
}

describe('gap filling', () => {
  before(async () => {
    newton = await TestNewton.start();
  });
  after(() => newton.close());

  test('an event published out of order, or lost, is filled from the event log in seq order', async () => {
    const { tenant } = await freshTenant();
    const s = await newton.connect(tenant);
    const store = newton.node.store;
    const inst = (await store.admin.listInstances(tenant))[0];
    assert.ok(inst);
    // Store three messages without publishing them, as if the bus lost them.
    const stored = [];
    for (let i = 0; i < 3; i++) {
      stored.push(
        await store.inbound.message({
          tenantId: tenant,
          instanceId: inst.id,
          provider: 'evolution',
          providerMessageId: `gap-${i}`,
          lead: { phone: '+573001112233', lid: null, name: null },
          replyTo: '573001112233@s.whatsapp.net',
          direction: 'inbound',
          sender: 'lead',
          type: 'text',
          content: `gap ${i}`,
          status: 'delivered',
          timestamp: Date.now(),
          extra: {},
        }),
      );
    }
    // Only the last one is published: the socket must still get 1..4 in order.
    const last = stored.at(-1);
    assert.ok(last && last.outcome === 'stored');
    await newton.node.bus.publish(last.events);
    await s.waitForEvents(4);
    assert.deepEqual(seqs(s.events()), [1, 2, 3, 4]);
    // A late duplicate publish changes nothing.
    await newton.node.bus.publish(stored[0]?.events ?? []);
    s.send({ type: 'ping', id: 'sync' });
    await s.next((f) => f.type === 'pong' && f.id === 'sync');
    assert.equal(s.events().length, 4);
  });
});

/**
 * Presence and typing across two nodes (PostgreSQL + Redis, #15): an agent
 * on node 1 is seen online, away and offline by an agent on node 2 (in the
 * snapshot of a new socket too), stays online while any of its sockets on
 * any node is open, and shows offline once its node stops being heard from
 * (the node's bus cut: no goodbye, only PRESENCE_TTL_MS); typing on node 1
 * reaches node 2, customer typing posted to node 2 reaches node 1; another
 * tenant's agent, on both nodes, sees none of it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from '../../testing/cluster.js';
import { testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { presenceBody } from '../../testing/evolution-presence-fixtures.js';
import { eventually, type Frame, type TestNewton, type TestSocket } from '../../testing/harness.js';
import { SHARED_REDIS_URL } from '../../testing/redis.js';

const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';
const EPHEMERAL = ['agent_presence', 'agent_typing', 'customer_typing'];

describe('presence and typing across nodes', { skip }, () => {
  let cluster: TestCluster;
  // The shared Redis carries every test's control messages: ids unique to this run.
  const run = randomBytes(3).toString('hex');
  const tenant = `pres_${run}`;
  const other = `pres_other_${run}`;
  const instance = `${tenant}-wa`;
  const CUSTOMER = '573007770011';
  let conversationId: string;
  const outsiders: TestSocket[] = [];

  /** An agent's socket on the opt-in `presence` channel, its snapshot received. */
  const agent = async (node: TestNewton, t: string, user: string) => {
    const s = await node.connect(t, { token: await node.token(t, { user }) });
    s.send({ type: 'subscribe', channels: ['presence'] });
    await s.waitFor('presence_snapshot');
    return s;
  };
  const presenceOf = (s: TestSocket, user: string, state: string, timeoutMs = 8000, from = 0) =>
    s.next((f) => f.type === 'agent_presence' && f.user_id === user && f.state === state, timeoutMs, from);

  before(async () => {
    // Nodes refresh every 500 ms; one not heard from for 1.5 s is gone.
    cluster = await TestCluster.start(2, SHARED_REDIS_URL, { presenceTtlMs: 1500 });
    const n = cluster.node(0);
    await n.addTenant(tenant);
    await n.addTenant(other);
    await n.addInstance({ tenantId: tenant, name: instance });
    const res = await n.evolution(upsertBody({ instance, sender: null, from: CUSTOMER, text: 'hola' }));
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    conversationId = String(res.body.conversation_id);
    outsiders.push(await agent(cluster.node(0), other, 'ana'), await agent(cluster.node(1), other, 'zoe'));
  });
  after(async () => {
    await cluster?.close();
  });

  test('presence across nodes: snapshot, away, a second socket elsewhere, offline', async () => {
    const [node1, node2] = [cluster.node(0), cluster.node(1)];
    const ana = await agent(node1, tenant, 'ana');
    const bob = await agent(node2, tenant, 'bob');
    await presenceOf(ana, 'bob', 'online');
    // Bob's node heard of ana over Redis; a socket of bob's there gets her in its snapshot.
    const bob2 = await agent(node2, tenant, 'bob');
    const snap = await bob2.waitFor('presence_snapshot');
    assert.deepEqual((snap.agents as Frame[]).map((a) => [a.user_id, a.state]).sort(), [
      ['ana', 'online'],
      ['bob', 'online'],
    ]);

    ana.send({ type: 'presence', state: 'away' });
    await presenceOf(bob, 'ana', 'away');
    ana.send({ type: 'presence', state: 'online' });
    await presenceOf(bob, 'ana', 'online', 8000, bob.frames.length - 1);

    // Ana opens a socket on node 2 too, then closes the one on node 1: still online.
    const anaOn2 = await agent(node2, tenant, 'ana');
    const mark = bob.frames.length;
    ana.close();
    await ana.closed;
    // Bob's own closing socket is seen by ana (on node 2) as nothing: bob stays online.
    bob2.close();
    await bob2.closed;
    // A round trip through both nodes after the closes: nothing said ana went offline.
    anaOn2.send({ type: 'presence', state: 'away' });
    await presenceOf(bob, 'ana', 'away', 8000, mark);
    assert.equal(
      bob.frames.slice(mark).filter((f) => f.type === 'agent_presence' && f.state === 'offline').length,
      0,
      'ana kept a socket open on node 2: never offline',
    );
    anaOn2.close();
    await presenceOf(bob, 'ana', 'offline', 8000, mark);
    bob.close();
  });

  test('typing on node 1 reaches node 2; customer typing on node 2 reaches node 1', async () => {
    const [node1, node2] = [cluster.node(0), cluster.node(1)];
    const ana = await agent(node1, tenant, 'ana');
    const bob = await agent(node2, tenant, 'bob');
    ana.send({ type: 'typing', conversation_id: conversationId });
    const typing = await bob.next((f) => f.type === 'agent_typing', 8000);
    assert.deepEqual(
      [typing.user_id, typing.conversation_id, typing.state],
      ['ana', conversationId, 'typing'],
    );

    const res = await node2.evolution(presenceBody({ instance, chat: CUSTOMER, presence: 'composing' }));
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    for (const s of [ana, bob]) {
      const f = await s.next((x) => x.type === 'customer_typing', 8000);
      assert.deepEqual([f.conversation_id, f.state], [conversationId, 'typing']);
    }
    ana.close();
    bob.close();
  });

  test('an agent whose node stops being heard from goes offline after the TTL', async () => {
    const watcher = await agent(cluster.node(0), tenant, 'wendy');
    // A node that starts now learns of wendy from the others (it asks them at start).
    const node3 = await cluster.add({ presenceTtlMs: 1500 });
    const carl = await node3.connect(tenant, { token: await node3.token(tenant, { user: 'carl' }) });
    await eventually(
      async () => {
        const from = carl.frames.length;
        carl.send({ type: 'subscribe', channels: ['presence'] });
        const snap = await carl.next((f) => f.type === 'presence_snapshot', 5000, from);
        carl.send({ type: 'unsubscribe', channels: ['presence'] });
        return (snap.agents as Frame[]).some((a) => a.user_id === 'wendy' && a.state === 'online');
      },
      5000,
      "node 3's snapshot names wendy, online on node 1",
    );
    await presenceOf(watcher, 'carl', 'online');
    const mark = watcher.frames.length;
    const cutAt = Date.now();
    // Node 3 loses Redis for good without a word: carl's socket stays open there.
    await node3.node.bus.close();
    const offline = await presenceOf(watcher, 'carl', 'offline', 10_000, mark);
    const took = Date.now() - cutAt;
    assert.ok(took >= 1000, `offline only once the TTL ran out (${took} ms)`);
    assert.equal(typeof offline.since, 'string');
    carl.close();
    watcher.close();
  });

  test("the other tenant's agents, on both nodes, received none of it", async () => {
    for (const s of outsiders) {
      const id = `p-${run}`;
      s.send({ type: 'ping', id });
      await s.next((f) => f.type === 'pong' && f.id === id);
      const leaked = s.frames.filter(
        (f) =>
          EPHEMERAL.includes(f.type) &&
          !(f.type === 'agent_presence' && ['ana', 'zoe'].includes(String(f.user_id))),
      );
      assert.deepEqual(leaked, []);
      // Tenant `other` has an `ana` too: only her own sockets' presence, never tenant's ana away/offline.
      // Hers may flap offline → online if a stalled machine delays her node's refresh past the 1.5 s
      // TTL; tenant's ana went away, then offline for good.
      const states = s.frames
        .filter((f) => f.type === 'agent_presence' && f.user_id === 'ana')
        .map((f) => f.state);
      assert.ok(!states.includes('away'), `other tenant's ana never away: ${states}`);
      assert.notEqual(states.at(-1), 'offline', `other tenant's ana still online: ${states}`);
    }
  });
});

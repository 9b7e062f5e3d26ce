/**
 * Agents across two nodes (PostgreSQL + Redis, #15): a user disabled through
 * node 1's admin API has its sockets closed (4401 `user_disabled`) on both
 * nodes and its next request refused on both; an assignment made on one node
 * reaches the other node's sockets; the round-robin on the node that stores a
 * new conversation takes turns between its own agents and the other node's
 * (the presence tracker's view), and an agent whose node is no longer heard
 * from gets none.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ConversationState } from '@newton/protocol';
import { TestCluster } from '../../testing/cluster.js';
import { testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually } from '../../testing/harness.js';
import { SHARED_REDIS_URL } from '../../testing/redis.js';

const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';

describe('users and assignment on two nodes', { skip }, () => {
  let cluster: TestCluster;
  // The shared Redis carries every test's control messages: tenant ids unique to this run.
  const run = randomBytes(3).toString('hex');
  const tenant = `usr_${run}`;
  let admin: string;
  let phones = 0;

  before(async () => {
    // Presence refreshed every 500 ms; a node not heard from for 1.5 s counts no more.
    cluster = await TestCluster.start(2, SHARED_REDIS_URL, { presenceTtlMs: 1500 });
    const n = cluster.node(0);
    await n.addTenant(tenant);
    await n.addInstance({ tenantId: tenant, name: `${tenant}-wa` });
    admin = await n.token(tenant, { user: 'root', role: 'admin' });
    for (const id of ['ana', 'bob', 'dave']) {
      assert.equal((await n.request('POST', '/api/admin/users', admin, { id, name: id })).status, 201);
    }
  });
  after(async () => {
    await cluster?.close();
  });

  const newConversation = async (node = 0): Promise<string> => {
    const from = `5730077${String(++phones).padStart(5, '0')}`;
    const res = await cluster
      .node(node)
      .evolution(upsertBody({ instance: `${tenant}-wa`, sender: null, from }));
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    return String(res.body.conversation_id);
  };

  test('a disabled user is refused at once on both nodes', async () => {
    const [one, two] = [cluster.node(0), cluster.node(1)];
    const dave = await one.token(tenant, { user: 'dave' });
    const s1 = await one.connect(tenant, { token: dave });
    const s2 = await two.connect(tenant, { token: dave });
    // Node 2 has read dave as enabled (its cache is warm): only the bus can tell it.
    assert.equal((await two.get('/api/me', dave)).status, 200);
    const res = await one.request('PATCH', '/api/admin/users/dave', admin, { disabled: true });
    assert.equal(res.status, 200);
    assert.deepEqual(await s1.closed, { code: 4401, reason: 'user_disabled' });
    assert.deepEqual(await s2.closed, { code: 4401, reason: 'user_disabled' });
    for (const node of [one, two]) {
      const refused = await node.get('/api/conversations', dave);
      assert.deepEqual([refused.status, refused.body.error], [401, 'user_disabled']);
    }
  });

  test('an assignment on node 1 reaches a socket on node 2', async () => {
    const id = await newConversation(0);
    const watcher = await cluster.node(1).connect(tenant, { token: admin });
    const ana = await cluster.node(0).token(tenant, { user: 'ana' });
    const started = Date.now();
    assert.equal(
      (await cluster.node(0).request('PUT', `/api/conversations/${id}/assignee`, ana, { assignee_id: 'ana' }))
        .status,
      200,
    );
    const frame = await watcher.next(
      (f) => f.type === 'conversation_updated' && (f.conversation as ConversationState).id === id,
    );
    assert.equal((frame.conversation as ConversationState).assignee_id, 'ana');
    assert.ok(Date.now() - started < 3000);
  });

  test('the round-robin on node 1 takes turns between agents online on node 1 and node 2', async () => {
    const [one, two] = [cluster.node(0), cluster.node(1)];
    const bob = await two.connect(tenant, { token: await two.token(tenant, { user: 'bob' }) });
    const ana = await one.connect(tenant, { token: await one.token(tenant, { user: 'ana' }) });
    // The admin's watcher socket of the last test is root's (no user): online, but not a candidate.
    await eventually(
      () => ['ana', 'bob'].every((u) => one.node.online.online(tenant).includes(u)),
      5000,
      'node 1 sees ana (its own) and bob (node 2)',
    );
    await one.request('PUT', '/api/admin/settings/assignment', admin, { auto_assign: true });
    const got: string[] = [];
    for (let i = 0; i < 2; i++) {
      const id = await newConversation(0);
      got.push(
        String(
          ((await two.get(`/api/conversations/${id}`, admin)).body as unknown as ConversationState)
            .assignee_id,
        ),
      );
    }
    assert.deepEqual(got.sort(), ['ana', 'bob']);
    ana.close();
    bob.close();
  });

  test('a node not heard from for PRESENCE_TTL_MS: its agents get no conversation', async () => {
    const one = cluster.node(0);
    // A tenant of its own, with one agent whose only socket is on a third node.
    const t3 = `usr3_${run}`;
    await one.addTenant(t3);
    await one.addInstance({ tenantId: t3, name: `${t3}-wa` });
    const root = await one.token(t3, { user: 'root', role: 'admin' });
    assert.equal(
      (await one.request('POST', '/api/admin/users', root, { id: 'carl', name: 'carl' })).status,
      201,
    );
    await one.request('PUT', '/api/admin/settings/assignment', root, { auto_assign: true });
    const three = await cluster.add({ presenceTtlMs: 1500 });
    const carl = await three.connect(t3, { token: await three.token(t3, { user: 'carl' }) });
    await eventually(() => one.node.online.online(t3).includes('carl'), 5000, 'node 1 sees carl');
    const newIn3 = async () => {
      const from = `5730078${String(++phones).padStart(5, '0')}`;
      const res = await one.evolution(upsertBody({ instance: `${t3}-wa`, sender: null, from }));
      assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
      return (
        (await one.get(`/api/conversations/${res.body.conversation_id}`, root))
          .body as unknown as ConversationState
      ).assignee_id;
    };
    assert.equal(await newIn3(), 'carl');
    // Node 3 loses Redis without a word: carl's socket stays open there, but no node hears of him.
    await three.node.bus.close();
    await eventually(() => !one.node.online.online(t3).includes('carl'), 10_000, 'carl expired on node 1');
    assert.equal(await newIn3(), null);
    carl.close();
  });
});

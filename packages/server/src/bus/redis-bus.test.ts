/**
 * Three nodes on three ports, one PostgreSQL database, one Redis: a webhook
 * posted to one node reaches the tenant's sockets on every node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from '../../testing/cluster.js';
import { testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually } from '../../testing/harness.js';
import { SHARED_REDIS_URL, TestRedis } from '../../testing/redis.js';

// Scale-out needs PostgreSQL; the SQLite pass of the suite skips this file.
const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';

describe('several nodes through Redis', { skip }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start(3, SHARED_REDIS_URL);
    await cluster.node(0).addTenant('acme');
    await cluster.node(0).addInstance({ tenantId: 'acme', name: 'acme-wa' });
    await cluster.node(0).addTenant('globex');
  });
  after(() => cluster?.close());

  test('a webhook posted to node 1 reaches sockets on nodes 2 and 3, and no other tenant', async () => {
    const s2 = await cluster.node(1).connect('acme');
    const s3 = await cluster.node(2).connect('acme');
    const other = await cluster.node(2).connect('globex');
    assert.equal(s2.frames[0]?.node_id, 'node-2');
    assert.equal(s3.frames[0]?.node_id, 'node-3');
    const res = await cluster
      .node(0)
      .evolution(upsertBody({ instance: 'acme-wa', sender: null, text: 'via node 1' }));
    assert.equal(res.status, 200);
    for (const s of [s2, s3]) {
      const ev = await s.waitFor('new_message');
      assert.equal((ev.message as { content: string }).content, 'via node 1');
    }
    other.send({ type: 'ping', id: 'sync' });
    await other.waitFor('pong');
    assert.equal(other.events().length, 0);
  });

  test('/readyz proves the bus with a round trip through Redis', async () => {
    const res = await cluster.node(1).get('/readyz');
    assert.equal(res.status, 200);
    const bus = (res.body.checks as { bus: { ok: boolean; kind: string } }).bus;
    assert.deepEqual([bus.ok, bus.kind], [true, 'redis']);
  });
});

describe('Redis outage', { skip }, () => {
  let redis: TestRedis;
  let cluster: TestCluster;

  before(async () => {
    redis = await TestRedis.start();
    cluster = await TestCluster.start(2, redis.url);
    await cluster.node(0).addTenant('acme');
    await cluster.node(0).addInstance({ tenantId: 'acme', name: 'acme-wa' });
  });
  after(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  test('webhooks are stored while Redis is down; sockets catch up when it returns; readyz follows', async () => {
    const s = await cluster.node(1).connect('acme');
    const post = (text: string) =>
      cluster.node(0).evolution(upsertBody({ instance: 'acme-wa', sender: null, text, pushName: 'Ana' }));
    assert.equal((await post('before')).status, 200);
    await s.waitForEvents(2);

    await redis.kill();
    const down = await cluster.node(1).get('/readyz');
    // Degraded, not unready: the node still stores webhooks and serves its sockets (#14).
    assert.equal(down.status, 200);
    assert.equal(down.body.status, 'degraded');
    for (let i = 0; i < 5; i++) assert.equal((await post(`during ${i}`)).status, 200);

    await redis.restart();
    await s.waitForEvents(7, 15_000);
    assert.deepEqual(
      s.events().map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    await eventually(
      async () => (await cluster.node(1).get('/readyz')).body.status === 'ready',
      10_000,
      '/readyz 200: ready again once Redis is back',
    );
  });
});

describe('a stalled Redis', { skip }, () => {
  let redis: TestRedis;
  let cluster: TestCluster;

  before(async () => {
    redis = await TestRedis.start();
    // No head poll: while Redis is frozen, the log is the only other way to node 2.
    cluster = await TestCluster.start(2, redis.url, { headPollMs: 0 });
    await cluster.node(0).addTenant('acme');
    await cluster.node(0).addInstance({ tenantId: 'acme', name: 'acme-wa' });
  });
  after(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  test("the node that took a webhook serves its own sockets without waiting for Redis's echo", async () => {
    const here = await cluster.node(0).connect('acme');
    const there = await cluster.node(1).connect('acme');
    const messages = (s: typeof here) => s.events().filter((e) => e.type === 'new_message');
    redis.pause();
    const answered = cluster
      .node(0)
      .evolution(upsertBody({ instance: 'acme-wa', sender: null, text: 'now' }));
    try {
      const ev = await here.waitFor('new_message');
      assert.equal((ev.message as { content: string }).content, 'now');
      // Redis holds the publish: node 2's socket has nothing yet.
      assert.equal(messages(there).length, 0);
    } finally {
      redis.resume();
    }
    const far = await there.waitFor('new_message');
    assert.equal((far.message as { content: string }).content, 'now');
    assert.equal((await answered).status, 200);
    // A webhook to node 2 comes to node 1 through Redis after the echo of the first:
    // once it is here, the echo was too, and was not delivered twice.
    const second = await cluster
      .node(1)
      .evolution(upsertBody({ instance: 'acme-wa', sender: null, text: 'next' }));
    assert.equal(second.status, 200);
    await eventually(
      () => messages(here).length >= 2 && messages(there).length >= 2,
      5000,
      'both sockets have both',
    );
    assert.deepEqual(
      here.events().map((e) => e.seq),
      there.events().map((e) => e.seq),
    );
    assert.deepEqual(
      messages(here).map((e) => (e.message as { content: string }).content),
      ['now', 'next'],
    );
  });
});

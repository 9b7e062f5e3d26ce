/**
 * `/readyz` must not turn a Redis outage into a full outage (#14): with Redis
 * killed every node answers 200 `degraded`, stores webhooks and feeds its own
 * sockets; 503 only when the node cannot do its job (database unreachable,
 * draining — the drain is asserted in scale/shutdown.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { CLUSTER_JWT_SECRET } from '../../testing/cluster.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, type HttpResult, TestNewton } from '../../testing/harness.js';
import { TestRedis } from '../../testing/redis.js';
import { TcpProxy } from '../../testing/tcp-proxy.js';

interface Readyz {
  status: string;
  reason?: string;
  checks: { database: { ok: boolean; error?: string }; bus: { ok: boolean; kind: string; error?: string } };
}

const readyz = async (n: TestNewton): Promise<HttpResult & { body: Readyz }> =>
  (await n.get('/readyz')) as HttpResult & { body: Readyz };

describe('Redis killed: nodes stay in rotation, degraded', () => {
  let redis: TestRedis;
  let database: TestDatabase;
  // Two nodes on PostgreSQL (the scale-out case); SQLite has one node.
  const nodes: TestNewton[] = [];

  before(async () => {
    redis = await TestRedis.start();
    const postgres = testDialect() === 'postgres';
    database = await createTestDatabase();
    for (let i = 1; i <= (postgres ? 2 : 1); i++) {
      nodes.push(
        await TestNewton.start(
          // No head poll within the test: a socket's new_message can only come from the node itself.
          { redisUrl: redis.url, jwtSecret: CLUSTER_JWT_SECRET, nodeId: `node-${i}`, headPollMs: 600_000 },
          { database },
        ),
      );
    }
    await nodes[0]?.addTenant('acme');
    await nodes[0]?.addInstance({ tenantId: 'acme', name: 'acme-wa' });
  });
  after(async () => {
    for (const n of nodes) await n.close().catch(() => {});
    await database?.drop();
    await redis?.stop();
  });

  test('readyz 200 degraded on every node; a webhook is stored and reaches the sockets of the node that took it', async (t) => {
    for (const n of nodes) {
      const r = await readyz(n);
      assert.equal(r.status, 200);
      assert.deepEqual(
        [r.body.status, r.body.checks.bus.ok, r.body.checks.bus.kind],
        ['ready', true, 'redis'],
      );
    }
    const sockets = await Promise.all(nodes.map((n) => n.connect('acme')));

    await redis.kill();
    for (const n of nodes) {
      await eventually(async () => (await readyz(n)).body.status === 'degraded', 10_000, 'readyz degraded');
      const r = await readyz(n);
      assert.equal(r.status, 200, 'a node whose bus is down stays in the load balancer');
      assert.equal(r.body.checks.database.ok, true);
      assert.equal(r.body.checks.bus.ok, false);
      assert.match(r.body.checks.bus.error ?? '', /redis/);
      assert.match(r.body.reason ?? '', /webhooks are stored/);
      t.diagnostic(`${n.node.config.nodeId} with Redis killed: ${r.status} ${JSON.stringify(r.body)}`);
    }

    // Each node stores a webhook and delivers it to its own socket at once.
    for (const [i, n] of nodes.entries()) {
      const res = await n.evolution(
        upsertBody({ instance: 'acme-wa', sender: null, text: `degraded ${i}`, pushName: 'Ana' }),
      );
      assert.equal(res.status, 200);
      const s = sockets[i];
      assert.ok(s);
      await eventually(
        () =>
          s
            .events()
            .some(
              (e) =>
                e.type === 'new_message' && (e.message as { content: string }).content === `degraded ${i}`,
            ),
        10_000,
        `node-${i + 1}'s socket gets its webhook's new_message while Redis is down`,
      );
    }
    const first = nodes[0];
    assert.ok(first);
    const page = await first.get('/api/conversations', await first.token('acme'));
    assert.equal((page.body.items as unknown[]).length, 1, 'the messages are stored');

    await redis.restart();
    for (const n of nodes) {
      await eventually(async () => (await readyz(n)).body.status === 'ready', 15_000, 'ready again');
    }
    // Every socket catches up with what the other node stored meanwhile.
    for (const s of sockets) {
      await eventually(
        () => s.events().filter((e) => e.type === 'new_message').length === nodes.length,
        15_000,
        'every socket has every new_message after Redis returned',
      );
    }
  });
});

const pgOnly = testDialect() !== 'postgres' && 'a database that can be cut off: the PostgreSQL pass';

describe('database unreachable: 503 unavailable', { skip: pgOnly }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let node: TestNewton;

  before(async () => {
    database = await createTestDatabase('postgres');
    const direct = new URL(database.url ?? '');
    proxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(direct);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    node = await TestNewton.start({}, { database: { url: viaProxy.toString(), drop: async () => {} } });
  });
  after(async () => {
    await node?.close().catch(() => {});
    await proxy?.close();
    await database?.drop();
  });

  test('readyz 503 while PostgreSQL is cut off, 200 once it is back', async (t) => {
    assert.equal((await readyz(node)).status, 200);
    proxy.cut();
    await eventually(async () => (await readyz(node)).status === 503, 10_000, 'readyz 503');
    const down = await readyz(node);
    assert.equal(down.body.status, 'unavailable');
    assert.equal(down.body.checks.database.ok, false);
    assert.match(down.body.reason ?? '', /database/);
    t.diagnostic(`database cut off: ${down.status} ${JSON.stringify(down.body)}`);
    const health = await node.get('/healthz');
    assert.equal(health.status, 200, 'liveness does not depend on the database');

    proxy.restore();
    await eventually(async () => (await readyz(node)).status === 200, 15_000, 'readyz 200 again');
    assert.equal((await readyz(node)).body.status, 'ready');
  });

  // pg's pool takes its error listener off a client it lends out; a connection
  // that ended under a running statement then emitted an 'error' nobody heard,
  // and that killed the process (CI of stop 27, this file's "before" hook).
  test('a statement running when the connection drops fails alone: the node lives and serves again', async () => {
    const running = sql`select pg_sleep(60)`.execute(node.node.store.db).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    const direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    try {
      await eventually(
        async () =>
          (await direct.query("select 1 from pg_stat_activity where query = 'select pg_sleep(60)'"))
            .rowCount === 1,
        10_000,
        'the sleep is running on the server',
      );
    } finally {
      await direct.end();
    }
    proxy.cut();
    assert.match(await running, /Connection terminated/);
    proxy.restore();
    await eventually(async () => (await readyz(node)).status === 200, 15_000, 'readyz 200 again');
    assert.equal((await node.get('/healthz')).status, 200);
  });
});

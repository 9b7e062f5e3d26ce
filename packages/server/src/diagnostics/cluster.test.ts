/**
 * Two nodes on PostgreSQL and a private Redis, each logging pino JSON to its
 * own file: doctor passes and sees both nodes' sockets; `newton trace` shows
 * every hop of a message delivered on both nodes; stopping Redis fails the
 * bus hop and turns /readyz degraded (still 200) within seconds, and both
 * recover when it returns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { WebSocket } from 'ws';
import { runCli } from '../../testing/cli-runner.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestSocket } from '../../testing/harness.js';
import { TestRedis } from '../../testing/redis.js';
import { type NewtonNode, startNode } from '../app.js';
import { loadConfig } from '../config.js';
import type { DoctorReport } from './doctor-client.js';

const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';
const SECRET = 'diagnostics-cluster-secret-0123456789';

describe('diagnostics across two nodes', { skip }, () => {
  let redis: TestRedis;
  let database: TestDatabase;
  let dir: string;
  const nodes: NewtonNode[] = [];
  const logs: string[] = [];
  const sockets: TestSocket[] = [];

  const env = () => ({
    ...process.env,
    DATA_DIR: dir,
    DATABASE_URL: database.url,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
  });
  /** `newton <args…>` in process; stdout then stderr in `out`. */
  async function cli(...args: string[]): Promise<{ code: number; out: string }> {
    const r = await runCli(args, env());
    return { code: r.code, out: r.out + r.err };
  }
  async function connect(node: NewtonNode, tenant: string): Promise<TestSocket> {
    const token = await node.tokens.issue({
      tenants: [tenant],
      ttlSeconds: 600,
      userId: `agent-${node.config.nodeId}`,
    });
    const s = new TestSocket(
      new WebSocket(`${node.url.replace(/^http/, 'ws')}/ws/conversations/${tenant}?token=${token}`),
    );
    sockets.push(s);
    await s.waitFor('connection_established');
    return s;
  }
  /** Waits until node's /readyz says `status` (200 for both ready and degraded); returns how long that took. */
  async function readyzBecomes(node: NewtonNode, status: 'ready' | 'degraded', ms: number): Promise<number> {
    const started = Date.now();
    await eventually(
      async () => {
        const r = await fetch(`${node.url}/readyz`);
        return r.status === 200 && ((await r.json()) as { status: string }).status === status;
      },
      ms,
      `/readyz ${status}`,
    );
    return Date.now() - started;
  }

  before(async () => {
    redis = await TestRedis.start();
    database = await createTestDatabase('postgres');
    dir = mkdtempSync(path.join(tmpdir(), 'newton-diag-'));
    for (const i of [1, 2]) {
      const nodeId = `node-${i}`;
      const file = path.join(dir, `${nodeId}.log`);
      logs.push(file);
      const config = {
        ...loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, NODE_ID: nodeId }),
        databaseUrl: database.url,
        redisUrl: redis.url,
        jwtSecret: SECRET,
        headPollMs: 500,
      };
      const logger = pino(
        { level: 'info', base: { node: nodeId } },
        pino.destination({ dest: file, sync: true }),
      );
      nodes.push(await startNode(config, logger));
    }
    const store = (nodes[0] as NewtonNode).store;
    await store.admin.createTenant('acme', null);
    await store.admin.createInstance({
      tenantId: 'acme',
      provider: 'evolution',
      name: 'acme-wa',
      number: '573014165044',
      apikey: 'k',
    });
  });
  after(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.close().catch(() => {});
    await redis?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('doctor passes and lists both nodes with their sockets; its probe reaches only diagnostics sockets, on both nodes', async () => {
    const [n1, n2] = nodes as [NewtonNode, NewtonNode];
    const agent1 = await connect(n1, 'acme');
    const agent2 = await connect(n2, 'acme');
    const r = await cli('doctor', 'acme', '--url', n1.url, '--json');
    const report = JSON.parse(r.out) as DoctorReport;
    assert.equal(r.code, 0, r.out);
    // A diagnostics socket on the other node gets the next probe through Redis; agents get nothing.
    const diag2 = await connect(n2, 'acme');
    diag2.send({ type: 'subscribe', channels: ['diagnostics'] });
    await diag2.next((f) => f.type === 'subscribed');
    const again = await cli('doctor', 'acme', '--url', n1.url, '--json');
    assert.equal(again.code, 0, again.out);
    const probeId = (JSON.parse(again.out) as DoctorReport).probe_result?.message_id;
    const heard = await diag2.next(
      (f) => f.type === 'probe_event' && (f.event as { type: string }).type === 'new_message',
    );
    assert.equal((heard.event as { message: { id: string } }).message.id, probeId);
    assert.equal(heard.node_id, 'node-1', 'stored on node-1, delivered on node-2');
    for (const agent of [agent1, agent2]) {
      assert.deepEqual(
        agent.frames.filter((f) => f.type === 'probe_event' || JSON.stringify(f).includes('"probe":true')),
        [],
      );
    }
    diag2.close();
    await eventually(() => n2.gateway.tenantSockets('acme').count === 1, 5000, 'diagnostics socket gone');
    assert.deepEqual(report.bus?.nodes, ['node-1', 'node-2']);
    assert.equal(report.bus?.kind, 'redis');
    assert.deepEqual(
      report.sockets?.map((s) => [s.node, s.count, s.users]),
      [
        ['node-1', 1, ['agent-node-1']],
        ['node-2', 1, ['agent-node-2']],
      ],
    );
  });

  test('newton trace shows every hop of a message delivered on both nodes', async () => {
    const [n1, n2] = nodes as [NewtonNode, NewtonNode];
    const s1 = await connect(n1, 'acme');
    const s2 = await connect(n2, 'acme');
    const res = await fetch(`${n1.url}/webhooks/evolution`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-two-nodes-1' },
      body: JSON.stringify(
        upsertBody({
          instance: 'acme-wa',
          sender: '573014165044',
          apikey: 'k',
          text: 'rastreo',
          id: 'TRACETWONODES01',
        }),
      ),
    });
    const body = (await res.json()) as { message_id: string };
    assert.equal(res.status, 200);
    for (const s of [s1, s2])
      await s.next((f) => (f.message as { id?: string } | undefined)?.id === body.message_id);

    const r = await cli('trace', body.message_id, '--log', logs[0] as string, '--log', logs[1] as string);
    assert.equal(r.code, 0, r.out);
    const lines = r.out.split('\n');
    const has = (re: RegExp) =>
      assert.ok(
        lines.some((l) => re.test(l)),
        `${re} in:\n${r.out}`,
      );
    assert.match(
      r.out,
      new RegExp(`^message ${body.message_id} \\(evolution .*; tenant acme; instance acme-wa;`, 'm'),
    );
    assert.match(r.out, /^trace trace-two-nodes-1$/m);
    has(
      /^✔ received .* database +receipt accepted: evolution messages\.upsert instance acme-wa → tenant acme/,
    );
    has(/^✔ received .* node-1 +webhook received, event messages\.upsert, instance acme-wa/);
    has(/^✔ routed .* node-1 +webhook routed, instance acme-wa, tenant acme, auth body_apikey/);
    has(/^✔ stored .* node-1 +message stored, tenant acme, message .*, seq \d+,\d+/);
    has(
      /^✔ stored .* database +message .* stored for tenant acme .*; events \d+ lead_created, \d+ new_message$/,
    );
    has(/^✔ published .* node-1 +events published, tenant acme, seq \d+,\d+, via redis/);
    for (const node of ['node-1', 'node-2']) {
      has(
        new RegExp(
          `^✔ delivered .* ${node} +event delivered to sockets, tenant acme, seq \\d+, new_message, → 2 socket\\(s\\)`,
        ),
      );
    }
    // By the provider's message id: the same journey, on both nodes.
    const byProvider = await cli(
      'trace',
      'TRACETWONODES01',
      '--log',
      logs[0] as string,
      '--log',
      logs[1] as string,
    );
    assert.equal(byProvider.code, 0, byProvider.out);
    assert.match(
      byProvider.out,
      new RegExp(`^message ${body.message_id} \\(evolution TRACETWONODES01;`, 'm'),
    );
    for (const node of ['node-1', 'node-2']) {
      assert.match(
        byProvider.out,
        new RegExp(
          `^✔ delivered .* ${node} +event delivered to sockets, tenant acme, seq \\d+, new_message, → 2 socket\\(s\\)`,
          'm',
        ),
      );
    }
    assert.match(byProvider.out, /^✔ routed .* node-1 +webhook routed/m);
    assert.match(
      byProvider.out,
      /^✔ published .* node-1 +events published, tenant acme, seq \d+,\d+, via redis/m,
    );

    // Without logs, the database still tells the story up to the event log.
    const dbOnly = await cli('trace', 'trace-two-nodes-1');
    assert.equal(dbOnly.code, 0, dbOnly.out);
    assert.match(dbOnly.out, /pass --log FILE/);
    const missing = await cli('trace', 'no-such-message-anywhere');
    assert.equal(missing.code, 1);
    assert.match(missing.out, /nothing known about "no-such-message-anywhere"/);
  });

  test('Redis stopped: /readyz degraded (still 200) within seconds, doctor fails the bus hop; both recover', async (t) => {
    const [n1] = nodes as [NewtonNode, NewtonNode];
    await redis.kill();
    const downMs = await readyzBecomes(n1, 'degraded', 5000);
    assert.ok(downMs < 5000);
    const r = await cli('doctor', 'acme', '--url', n1.url);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^✘ bus\s+Bus round trip: the redis bus did not carry a message back/m);
    assert.match(r.out, /fix: Redis is down or unreachable from this node/);
    assert.match(r.out, /^FAIL: the "bus" hop fails/m);

    await redis.restart();
    const upMs = await readyzBecomes(n1, 'ready', 15_000);
    t.diagnostic(`/readyz degraded ${downMs} ms after Redis died; ready again ${upMs} ms after it returned`);
    const metrics = await (await fetch(`${n1.url}/metrics`)).text();
    assert.match(metrics, /newton_bus_reconnects_total\{node="node-1"\} [1-9]/);
    const again = await cli('doctor', 'acme', '--url', n1.url);
    assert.equal(again.code, 0, again.out);
  });
});

/**
 * Graceful stop (SIGTERM) of a real `newton start` process while webhooks
 * flow: every webhook answered 2xx is stored, requests refused during the
 * drain get a 503 with a JSON body (no reset connection), sockets are closed
 * with 1012 `service_restart`, the process exits 0, and clients resuming with
 * their last seq get exactly the rest. SQLite pass: one node. PostgreSQL pass:
 * a second node stays up, and the stopped node's clients move to it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CLUSTER_JWT_SECRET } from '../../testing/cluster.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestSocket } from '../../testing/harness.js';
import {
  describeSeqProblem,
  NewtonProcess,
  newtonCli,
  ReconnectingClient,
  seqsOf,
} from '../../testing/reconnecting-client.js';
import { TestRedis } from '../../testing/redis.js';

interface RawResult {
  status?: number;
  text?: string;
  contentType?: string;
  /** Network error code when no HTTP answer came (ECONNRESET, ECONNREFUSED, …). */
  error?: string;
}

/**
 * POSTs on a fresh TCP connection (no keep-alive pool), so that a refused or
 * reset connection is told apart from an HTTP answer.
 */
function rawPost(url: string, body: string): Promise<RawResult> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}/webhooks/evolution`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text, contentType: String(res.headers['content-type']) }),
        );
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.end(body);
  });
}

/**
 * A webhook whose body arrives slowly: headers (with `Expect: 100-continue`)
 * and half the body now, the rest on `finish()`. The server's `100 Continue`
 * proves the request reached the route's hooks, so it is in flight.
 */
function slowPost(url: string, body: string) {
  let resolveContinue: () => void = () => {};
  const continued = new Promise<void>((r) => {
    resolveContinue = r;
  });
  const half = Math.floor(body.length / 2);
  const req = http.request(`${url}/webhooks/evolution`, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  const result = new Promise<RawResult>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
  req.on('continue', () => {
    req.write(body.slice(0, half));
    resolveContinue();
  });
  req.flushHeaders();
  return { continued, result, finish: () => req.end(body.slice(half)) };
}

const dialect = testDialect();
const CLUSTERED = dialect === 'postgres';

describe(`graceful stop of a node process (${CLUSTERED ? 'two nodes, PostgreSQL + Redis' : 'one node, SQLite'})`, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-shutdown-'));
  const procs: NewtonProcess[] = [];
  const clients: ReconnectingClient[] = [];
  const sockets: TestSocket[] = [];
  let database: TestDatabase | undefined;
  let redis: TestRedis | undefined;
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    database = await createTestDatabase();
    if (CLUSTERED) redis = await TestRedis.start();
    env = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET: CLUSTER_JWT_SECRET,
      LOG_LEVEL: 'warn',
      HEAD_POLL_MS: '500',
      // The drain is held open on purpose below; a loaded machine must not run into its timeout.
      SHUTDOWN_TIMEOUT_MS: '30000',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...(redis ? { REDIS_URL: redis.url } : {}),
    };
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    for (const s of sockets) s.close();
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await redis?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('SIGTERM: 2xx means stored, refusals are 503 JSON, sockets get 1012, exit 0, clients resume exactly', async (t) => {
    const tenant = `stop_${randomBytes(3).toString('hex')}`;
    const instance = `${tenant}-wa`;
    await newtonCli(['tenant', 'add', tenant], env);
    const start = async (nodeId: string) => {
      const p = await NewtonProcess.start({ ...env, NODE_ID: nodeId }, nodeId);
      procs.push(p);
      return p;
    };
    const [, token, first, other] = await Promise.all([
      newtonCli(['instance', 'add', tenant, '--provider', 'evolution', '--instance', instance], env),
      newtonCli(['token', tenant], env),
      start('node-a'),
      CLUSTERED ? start('node-b') : undefined,
    ]);
    let a: NewtonProcess = first;
    const draining = new Set<string>();
    const urls = () => (other ? [a.url, other.url] : [a.url]);
    const isUp = (url: string) => !draining.has(url);

    // Six clients; with two nodes, half of them start on the other node.
    for (let i = 0; i < 6; i++) {
      const onA = !other || i % 2 === 0;
      clients.push(
        new ReconnectingClient({
          urls,
          tenant,
          token,
          start: onA ? 0 : 1,
          isUp,
          name: `client-${i}@${onA ? 'a' : 'b'}`,
        }),
      );
    }
    await Promise.all(clients.map((c) => c.waitLive()));
    const onA = clients.filter((c) => c.nodes[0] === 'node-a');
    assert.ok(onA.length >= 3, 'at least three clients are on the node that stops');

    const acked = new Set<string>();
    let n = 0;
    const bodyFor = (key: string) =>
      JSON.stringify(
        upsertBody({
          instance,
          sender: null,
          from: '573005556677',
          id: key,
          text: `m ${key}`,
          pushName: 'Ana',
        }),
      );
    const postOk = async (url: string) => {
      const key = `STOP${String(n++).padStart(5, '0')}`;
      const r = await rawPost(url, bodyFor(key));
      assert.equal(r.status, 200, JSON.stringify(r));
      acked.add(key);
    };
    for (let i = 0; i < 5; i++) await postOk(a.url);
    await Promise.all(clients.map((c) => c.waitForSeq(6)));

    // --- a stream of webhooks to node a --------------------------------------
    const results: (RawResult & { key: string; afterSigterm: boolean })[] = [];
    let sigtermSent = false;
    let stopStream = false;
    const aUrl = a.url;
    const stream = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stopStream) {
          const key = `STOP${String(n++).padStart(5, '0')}`;
          const afterSigterm = sigtermSent;
          const r = await rawPost(aUrl, bodyFor(key));
          results.push({ ...r, key, afterSigterm });
          if (r.status !== undefined && r.status >= 200 && r.status < 300) acked.add(key);
        }
      }),
    );
    const slowKey = 'STOP-SLOW';
    const slow = slowPost(aUrl, bodyFor(slowKey));
    await slow.continued;
    await eventually(
      () => results.filter((r) => r.status === 200).length >= 30,
      20_000,
      '30 webhooks through',
    );

    // --- SIGTERM with requests in flight -----------------------------------------
    sigtermSent = true;
    a.child.kill('SIGTERM');
    draining.add(aUrl);
    await eventually(
      async () => {
        const r = await fetch(`${aUrl}/readyz`).catch(() => undefined);
        return r ? r.status === 503 && ((await r.json()) as { status: string }).status === 'draining' : false;
      },
      5000,
      'readyz to say draining',
    );
    // The slow request keeps the drain open; meanwhile new requests are refused.
    await eventually(
      () => results.filter((r) => r.status === 503).length >= 10,
      10_000,
      '503s during the drain',
    );
    assert.equal(a.running, true, 'the node waits for the in-flight request before it stops');
    stopStream = true;
    await stream;
    slow.finish();
    const slowResult = await slow.result;
    assert.equal(
      slowResult.status,
      200,
      `the request in flight at SIGTERM completes: ${JSON.stringify(slowResult)}`,
    );
    acked.add(slowKey);

    let exitTimer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      a.exited,
      new Promise<'timeout'>((r) => {
        exitTimer = setTimeout(() => r('timeout'), 15_000);
      }),
    ]).finally(() => clearTimeout(exitTimer));
    assert.notEqual(exit, 'timeout', `node-a did not exit within 15 s after SIGTERM\n${a.output()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `node-a exits 0\n${a.output()}`);

    const resets = results.filter((r) => r.error !== undefined);
    assert.deepEqual(
      resets.map((r) => `${r.key}: ${r.error}`),
      [],
      'no request got a reset connection instead of an answer',
    );
    for (const r of results.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 503, `refused with 503, not ${r.status}: ${r.text}`);
      assert.match(r.contentType ?? '', /application\/json/);
      const json = JSON.parse(r.text ?? '') as { error?: unknown; message?: unknown };
      assert.equal(json.error, 'not_ready', `503 body has the not_ready code: ${r.text}`);
      assert.equal(typeof json.message, 'string');
    }
    t.diagnostic(
      `stream: ${results.filter((r) => r.status === 200).length} accepted (${
        results.filter((r) => r.status === 200 && r.afterSigterm).length
      } posted after SIGTERM), ${results.filter((r) => r.status === 503).length} refused with 503`,
    );

    // Every socket on node a was closed with 1012 service_restart.
    await eventually(() => onA.every((c) => c.closes.length > 0), 5000, 'the sockets of node a to close');
    for (const c of onA) {
      assert.deepEqual(
        [c.closes[0]?.code, c.closes[0]?.reason],
        [1012, 'service_restart'],
        `${c.name} closed with 1012 service_restart`,
      );
    }
    for (const c of clients.filter((x) => !onA.includes(x)))
      assert.equal(c.closes.length, 0, `${c.name} on the other node was not disturbed`);

    // --- restart ---------------------------------------------------------------------
    a = await start('node-a');
    draining.delete(aUrl);
    for (let i = 0; i < 5; i++) await postOk(a.url);

    // A fresh socket replaying everything finds every acknowledged webhook, and nothing else.
    const replay = new TestSocket(
      new WebSocket(`${a.url.replace(/^http/, 'ws')}/ws/conversations/${tenant}?token=${token}&since=0`),
    );
    sockets.push(replay);
    const resumed = await replay.waitFor('resumed', 10_000);
    const head = resumed.to as number;
    const storedIds = replay
      .events()
      .filter((e) => e.type === 'new_message')
      .map((e) => (e.message as { provider_message_id: string }).provider_message_id);
    assert.deepEqual(
      [...acked].filter((k) => !storedIds.includes(k)),
      [],
      'every webhook answered 2xx is stored',
    );
    assert.equal(
      storedIds.length,
      acked.size,
      'nothing was stored that was not acknowledged (503s store nothing)',
    );
    assert.equal(new Set(storedIds).size, storedIds.length);
    assert.equal(head, acked.size + 1, 'one event per message, plus the lead_created');

    // Every client, having resumed with its last seq, has exactly 1..head; one more webhook
    // after that: a duplicate would arrive before its event.
    await Promise.all(clients.map((c) => c.waitForSeq(head, 15_000)));
    await postOk(a.url);
    await Promise.all(clients.map((c) => c.waitForSeq(head + 1, 15_000)));
    for (const c of clients) {
      const problem = describeSeqProblem(seqsOf(c.events), 1, head + 1);
      assert.equal(problem, undefined, `${c.name} (nodes ${c.nodes.join(' → ')}): ${problem}`);
      const ids = c.events.map((e) => e.event_id);
      assert.equal(new Set(ids).size, ids.length, `${c.name}: duplicate event_id`);
    }
    for (const c of onA) assert.ok(c.resumedCount >= 2, `${c.name} resumed after the stop`);
  });
});

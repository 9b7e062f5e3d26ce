/**
 * Chaos: three `newton start` processes on one PostgreSQL database and a
 * private Redis. 2,000 webhooks flow while node 3 is SIGKILLed and Redis is
 * killed and restarted. Afterwards every reconnecting client has seen seqs
 * 1..N exactly once each, in order, and every acknowledged webhook is stored
 * exactly once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { CLUSTER_JWT_SECRET } from '../../testing/cluster.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually } from '../../testing/harness.js';
import {
  describeSeqProblem,
  NewtonProcess,
  newtonCli,
  ReconnectingClient,
  seqsOf,
} from '../../testing/reconnecting-client.js';
import { TestRedis } from '../../testing/redis.js';

const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';

const WEBHOOKS = 2000;
const IN_FLIGHT = 20;
const CLIENTS = 20;
const PHONES = ['573001110001', '573001110002', '573001110003', '573001110004', '573001110005'];

describe('chaos: SIGKILL of a node and a Redis outage during 2,000 webhooks', { skip }, () => {
  let redis: TestRedis | undefined;
  let database: TestDatabase | undefined;
  let db: pg.Client | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-chaos-'));
  const nodes: NewtonProcess[] = [];
  const clients: ReconnectingClient[] = [];
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    redis = await TestRedis.start();
    database = await createTestDatabase('postgres');
    env = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      JWT_SECRET: CLUSTER_JWT_SECRET,
      HEAD_POLL_MS: '500',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
    };
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db?.end().catch(() => {});
    await redis?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('every client sees seqs 1..N once, in order; every acknowledged webhook is stored once', async (t) => {
    const started = Date.now();
    const tenant = `chaos_${randomBytes(3).toString('hex')}`;
    const instance = `${tenant}-wa`;
    // The first command migrates the database, so the nodes start on a ready schema.
    await newtonCli(['tenant', 'add', tenant], env);
    const [, token] = await Promise.all([
      newtonCli(['instance', 'add', tenant, '--provider', 'evolution', '--instance', instance], env),
      newtonCli(['token', tenant], env),
      ...[1, 2, 3].map(async (i) => {
        nodes[i - 1] = await NewtonProcess.start({ ...env, NODE_ID: `chaos-${i}` }, `node-${i}`);
      }),
    ]);
    assert.ok(token && token.split('.').length === 3, `newton token printed a JWT: ${token}`);
    const urls = nodes.map((n) => n.url);
    const down = new Set<string>();
    const isUp = (url: string) => !down.has(url);
    t.diagnostic(`setup ${Date.now() - started} ms; nodes ${urls.join(' ')}`);

    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        new ReconnectingClient({
          urls,
          tenant,
          token,
          start: i % 3,
          isUp,
          name: `client-${i}@node-${(i % 3) + 1}`,
        }),
      );
    }
    await Promise.all(clients.map((c) => c.waitLive(15_000)));

    // --- the webhook stream -------------------------------------------------
    const acked = new Set<string>();
    const outcomes = new Map<string, number>();
    const refused = new Map<string, number>();
    const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    let rr = 0;
    const pick = () => {
      const up = urls.filter(isUp);
      return up[rr++ % up.length] as string;
    };
    const keyOf = (i: number) => `CHAOS${String(i).padStart(6, '0')}`;

    async function deliver(i: number): Promise<void> {
      const phone = PHONES[i % PHONES.length] as string;
      const body = JSON.stringify(
        upsertBody({
          instance,
          sender: null,
          from: phone,
          id: keyOf(i),
          text: `chaos message ${i}`,
          pushName: `Lead ${phone.slice(-1)}`,
        }),
      );
      // Retried like Evolution does, until acknowledged.
      await eventually(
        async () => {
          const url = pick();
          try {
            const res = await fetch(`${url}/webhooks/evolution`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
              signal: AbortSignal.timeout(10_000),
            });
            const text = await res.text();
            if (res.status >= 200 && res.status < 300) {
              const json = JSON.parse(text) as { outcome: string };
              acked.add(keyOf(i));
              count(outcomes, json.outcome);
              return true;
            }
            count(refused, `HTTP ${res.status}`);
            // Evolution drops a webhook for good on these: none may happen here.
            assert.ok(
              ![400, 401, 403, 404, 422].includes(res.status),
              `webhook ${keyOf(i)} answered ${res.status} by ${url}: ${text}`,
            );
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            const e = err as Error & { cause?: { code?: string } };
            count(refused, e.cause?.code ?? e.name);
          }
          return false;
        },
        30_000,
        `webhook ${keyOf(i)} acknowledged`,
      );
    }

    let next = 0;
    const posting = Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < WEBHOOKS) await deliver(next++);
      }),
    );

    // --- the chaos, driven by progress ---------------------------------------
    const timeline: string[] = [];
    const mark = (what: string) => timeline.push(`${Date.now() - started} ms @${acked.size}: ${what}`);
    const chaos = (async () => {
      await eventually(() => acked.size >= 400, 60_000, '400 acknowledged webhooks');
      const victim = nodes[2] as NewtonProcess;
      const killed = await victim.kill('SIGKILL');
      down.add(victim.url);
      mark(`node-3 SIGKILLed (${killed.signal})`);
      await eventually(() => acked.size >= 800, 60_000, '800 acknowledged webhooks');
      await redis?.kill();
      mark('redis killed');
      await eventually(() => acked.size >= 1300, 60_000, '1300 acknowledged webhooks');
      await redis?.restart();
      mark('redis restarted');
    })();
    try {
      await Promise.all([posting, chaos]);
    } catch (err) {
      for (const n of nodes) t.diagnostic(n.output());
      throw err;
    }
    mark('all webhooks acknowledged');

    // --- the store -------------------------------------------------------------
    const client = db as pg.Client;
    const head = Number(
      (await client.query('SELECT last_seq FROM tenants WHERE id = $1', [tenant])).rows[0]?.last_seq,
    );
    const stats = (
      await client.query(
        'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d, min(seq)::int AS lo, max(seq)::int AS hi FROM events WHERE tenant_id = $1',
        [tenant],
      )
    ).rows[0] as { n: number; d: number; lo: number; hi: number };
    assert.deepEqual(stats, { n: head, d: head, lo: 1, hi: head }, 'the event log holds seqs 1..last_seq');

    const rows = (
      await client.query(
        'SELECT provider_message_id AS id, count(*)::int AS n FROM messages WHERE tenant_id = $1 GROUP BY 1',
        [tenant],
      )
    ).rows as { id: string; n: number }[];
    const stored = new Map(rows.map((r) => [r.id, r.n]));
    assert.equal(acked.size, WEBHOOKS, 'every webhook was eventually acknowledged');
    const missing = [...acked].filter((k) => stored.get(k) !== 1);
    assert.deepEqual(missing.slice(0, 10), [], 'every acknowledged key id is stored exactly once');
    assert.equal(rows.length, acked.size, 'messages = distinct acknowledged key ids');
    assert.equal(
      rows.reduce((s, r) => s + r.n, 0),
      acked.size,
    );
    // Every message made one new_message; each lead's first one also made a lead_created.
    assert.equal(head, WEBHOOKS + PHONES.length, 'one event per message plus one per new lead');

    // --- the clients -----------------------------------------------------------
    try {
      await Promise.all(clients.map((c) => c.waitForSeq(head, 30_000)));
    } catch (err) {
      t.diagnostic(timeline.join('\n'));
      throw err;
    }
    mark('every client reached the head');
    // One more webhook: late frames (a duplicate replay, a late bus message) would arrive before its event.
    await deliver(WEBHOOKS);
    await Promise.all(clients.map((c) => c.waitForSeq(head + 1, 30_000)));

    const reference = new Map<number, string>();
    for (const c of clients) {
      const problem = describeSeqProblem(seqsOf(c.events), 1, head + 1);
      assert.equal(problem, undefined, `${c.name} (nodes ${c.nodes.join(' → ')}): ${problem}`);
      const ids = c.events.map((e) => String(e.event_id));
      assert.equal(new Set(ids).size, ids.length, `${c.name}: duplicate event_id`);
      for (const e of c.events) {
        const id = String(e.event_id);
        const known = reference.get(e.seq);
        if (known === undefined) reference.set(e.seq, id);
        else
          assert.equal(id, known, `${c.name}: seq ${e.seq} carries another event_id than other clients saw`);
      }
      assert.equal(
        c.frames.filter((f) => f.type === 'resync_required').length,
        0,
        `${c.name}: resync_required`,
      );
    }
    // The clients of node 3 lost their socket (1006) and resumed on another node.
    const moved = clients.filter((c) => c.nodes[0] === 'chaos-3');
    assert.equal(moved.length, clients.filter((_, i) => i % 3 === 2).length, "node-3's clients");
    for (const c of moved) {
      assert.equal(c.closes[0]?.code, 1006, `${c.name}: abnormal closure when its node died`);
      assert.ok(
        c.nodes.length >= 2 && c.nodes.at(-1) !== 'chaos-3',
        `${c.name} resumed elsewhere: ${c.nodes}`,
      );
    }
    t.diagnostic(timeline.join('\n'));
    t.diagnostic(`outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    t.diagnostic(`refused/failed attempts ${JSON.stringify(Object.fromEntries(refused))}`);
    t.diagnostic(
      `reconnects ${clients.reduce((s, c) => s + c.closes.length, 0)}; total ${Date.now() - started} ms`,
    );
  });
});

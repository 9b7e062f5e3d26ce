/**
 * Newton behind a real proxy: Debian's nginx runs the recipe deploy/nginx.conf
 * (rendered as the nginx image renders it) in front of two `newton start`
 * processes — the Dockerfile's command — on one PostgreSQL database and Redis,
 * terminating TLS with a certificate made for the test. Sockets and webhooks
 * go through nginx to both nodes; a node SIGKILLed behind it leaves its
 * clients to resume through nginx with every seq exactly once, in order; the
 * SDK connects over wss:// and receives new_message.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ConnectionState, type NewMessageEvent, WebSocketService } from '@newton/client';
import pg from 'pg';
import { WebSocket } from 'ws';
import { CLUSTER_JWT_SECRET } from '../../testing/cluster.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually } from '../../testing/harness.js';
import { makeCertificate, NGINX, request, type TestCertificate, TestNginx } from '../../testing/nginx.js';
import {
  describeSeqProblem,
  NewtonProcess,
  newtonCli,
  ReconnectingClient,
  seqsOf,
} from '../../testing/reconnecting-client.js';
import { SHARED_REDIS_URL } from '../../testing/redis.js';

const NO_NGINX = `nginx is not installed at ${NGINX} (install it with: apt-get install -y nginx)`;
const skip =
  testDialect() !== 'postgres'
    ? 'scale-out tests run in the PostgreSQL pass'
    : !existsSync(NGINX) && process.env.CI !== 'true' && NO_NGINX;

const CLIENTS = 6;
const WEBHOOKS = 300;
const IN_FLIGHT = 10;

describe('behind nginx: TLS, sockets, webhooks, a node SIGKILLed', { skip }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'newton-nginx-'));
  const tenant = `nginx_${randomBytes(3).toString('hex')}`;
  const instance = `${tenant}-wa`;
  let database: TestDatabase | undefined;
  let db: pg.Client | undefined;
  let nginx: TestNginx | undefined;
  let cert: TestCertificate;
  let token = '';
  const nodes: NewtonProcess[] = [];
  const clients: ReconnectingClient[] = [];
  const services: WebSocketService[] = [];
  let started = 0;

  before(async () => {
    if (!existsSync(NGINX)) throw new Error(NO_NGINX); // CI: fail, saying so
    started = Date.now();
    database = await createTestDatabase('postgres');
    mkdirSync(path.join(dir, 'data'));
    const env = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: SHARED_REDIS_URL,
      JWT_SECRET: CLUSTER_JWT_SECRET,
      HEAD_POLL_MS: '500',
      LOG_LEVEL: 'warn',
      DATA_DIR: path.join(dir, 'data'),
    };
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    // The first command migrates the database, so the nodes start on a ready schema.
    await newtonCli(['tenant', 'add', tenant], env);
    const [, tok, c] = await Promise.all([
      newtonCli(['instance', 'add', tenant, '--provider', 'evolution', '--instance', instance], env),
      newtonCli(['token', tenant], env),
      makeCertificate(dir),
      ...[1, 2].map(async (i) => {
        nodes[i - 1] = await NewtonProcess.start({ ...env, NODE_ID: `nginx-${i}` }, `node-${i}`);
      }),
    ]);
    token = tok as string;
    cert = c as TestCertificate;
    const hostPort = (n: NewtonProcess) => new URL(n.url).host;
    nginx = await TestNginx.start({
      dir,
      nodes: [hostPort(nodes[0] as NewtonProcess), hostPort(nodes[1] as NewtonProcess)],
      cert,
    });
  });

  after(async () => {
    for (const s of services) s.destroy();
    await Promise.all(clients.map((c) => c.stop()));
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db?.end().catch(() => {});
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const front = () => nginx as TestNginx;
  const nodeOf = (url: string) => String(nodes.findIndex((n) => n.url === url) + 1);
  let messageNo = 0;

  /** Posts one customer message through nginx (TLS) until acknowledged, as Evolution retries. */
  async function deliver(text?: string): Promise<string[]> {
    const n = ++messageNo;
    const id = `NGINX${String(n).padStart(6, '0')}`;
    text ??= `via nginx ${n}`;
    const body = JSON.stringify(
      upsertBody({ instance, sender: null, from: '573001110001', id, text, pushName: 'Lead' }),
    );
    const failures: string[] = [];
    await eventually(
      async () => {
        try {
          const res = await request(`${front().url}/webhooks/evolution`, {
            method: 'POST',
            body,
            ca: cert.pem,
          });
          if (res.status === 200) return true;
          failures.push(`HTTP ${res.status}`);
          assert.ok(res.status >= 500, `webhook ${id} answered ${res.status}: ${res.text}`);
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          failures.push((err as Error).message);
        }
        return false;
      },
      30_000,
      `webhook ${id} acknowledged through nginx`,
    );
    return failures;
  }

  async function head(): Promise<number> {
    const r = await (db as pg.Client).query('SELECT last_seq FROM tenants WHERE id = $1', [tenant]);
    return Number(r.rows[0]?.last_seq);
  }

  test('sockets and webhooks go through nginx to both nodes; plain HTTP redirects to HTTPS', async (t) => {
    t.diagnostic(`setup (2 nodes, nginx, certificate) ${Date.now() - started} ms`);
    const t0 = Date.now();
    const plain = await request(`${front().plainUrl}/api/conversations?x=1`);
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.location, 'https://127.0.0.1/api/conversations?x=1');
    const ready = await request(`${front().url}/readyz`, { ca: cert.pem });
    assert.equal(ready.status, 200, ready.text);
    await assert.rejects(request(`${front().url}/readyz`), 'a client that does not trust the certificate');
    const metrics = await request(`${front().url}/metrics`, { ca: cert.pem });
    assert.equal(metrics.status, 404, '/metrics stays on the internal network');

    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        new ReconnectingClient({
          urls: [front().url],
          tenant,
          token,
          wsOptions: { ca: cert.pem },
          name: `client-${i}`,
        }),
      );
    }
    await Promise.all(clients.map((c) => c.waitLive(15_000)));
    assert.deepEqual(
      new Set(clients.map((c) => c.nodes[0])),
      new Set(['nginx-1', 'nginx-2']),
      'nginx spreads the sockets over both nodes',
    );

    for (let i = 0; i < 20; i++) assert.deepEqual(await deliver(), [], 'no webhook failed');
    const h = await head();
    assert.equal(h, 21, 'a lead_created and 20 new_message');
    await Promise.all(clients.map((c) => c.waitForSeq(h, 15_000)));
    for (const c of clients) assert.equal(describeSeqProblem(seqsOf(c.events), 1, h), undefined, c.name);

    const webhookUpstreams = front()
      .accessLog()
      .filter((l) => l.startsWith('POST /webhooks/evolution 200'))
      .map((l) => nodeOf(`http://${l.split(' ').at(-1)}`));
    assert.equal(webhookUpstreams.length, 20);
    assert.deepEqual(new Set(webhookUpstreams), new Set(['1', '2']), 'webhooks balanced over both nodes');
    t.diagnostic(`20 webhooks and ${CLIENTS} sockets through nginx: ${Date.now() - t0} ms`);
  });

  test('the SDK connects over wss:// through nginx, trusting the certificate, and receives new_message', async (t) => {
    const t0 = Date.now();
    const ca = cert.pem;
    class TrustingWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { ca });
      }
    }
    const urls: string[] = [];
    const svc = new WebSocketService({
      baseUrl: front().url,
      tenantId: tenant,
      getToken: () => token,
      WebSocket: TrustingWebSocket,
      window: null,
      document: null,
      debug: (line) => {
        const m = /Connecting to (\S+)/.exec(line);
        if (m?.[1]) urls.push(m[1]);
      },
    });
    services.push(svc);
    const got: NewMessageEvent[] = [];
    svc.on('new_message', (e) => got.push(e));
    let state: ConnectionState | undefined;
    svc.state.subscribe((s) => (state = s));
    svc.connect();
    await eventually(() => state?.status === 'open', 15_000, 'the SDK open over wss://');
    assert.match(urls[0] ?? '', /^wss:\/\/127\.0\.0\.1:\d+\/ws\/conversations\//);

    const text = `over TLS ${randomBytes(3).toString('hex')}`;
    assert.deepEqual(await deliver(text), []);
    await eventually(() => got.some((e) => e.message.content === text), 15_000, 'new_message through nginx');
    t.diagnostic(`SDK over wss:// to new_message: ${Date.now() - t0} ms`);
  });

  test('a node SIGKILLed behind nginx: its clients resume through nginx, nothing lost', async (t) => {
    const t0 = Date.now();
    const before = await head();
    const victim = nodes[1] as NewtonProcess;
    const onVictim = clients.filter((c) => c.nodes.at(-1) === 'nginx-2');
    assert.ok(onVictim.length > 0, 'some clients are on node 2');

    let acked = 0;
    const failures: string[] = [];
    let next = 0;
    const posting = Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < WEBHOOKS) {
          next++;
          failures.push(...(await deliver()));
          acked++;
        }
      }),
    );
    const kill = (async () => {
      await eventually(() => acked >= WEBHOOKS / 3, 60_000, `${WEBHOOKS / 3} webhooks acknowledged`);
      const { signal } = await victim.kill('SIGKILL');
      assert.equal(signal, 'SIGKILL');
      t.diagnostic(`node 2 SIGKILLed at ${acked} acknowledged webhooks, ${Date.now() - t0} ms`);
    })();
    await Promise.all([posting, kill]);
    t.diagnostic(`${WEBHOOKS} webhooks acknowledged through nginx: ${Date.now() - t0} ms`);

    const h = await head();
    assert.equal(h, before + WEBHOOKS, 'one event per webhook');
    const stored = await (db as pg.Client).query(
      'SELECT count(*)::int AS n, count(DISTINCT provider_message_id)::int AS d FROM messages WHERE tenant_id = $1',
      [tenant],
    );
    assert.deepEqual(stored.rows[0], { n: messageNo, d: messageNo }, 'every webhook stored exactly once');

    try {
      await Promise.all(clients.map((c) => c.waitForSeq(h, 30_000)));
    } catch (err) {
      t.diagnostic(`${victim.output()}\n${front().errorLog()}`);
      throw err;
    }
    for (const c of clients) {
      const problem = describeSeqProblem(seqsOf(c.events), 1, h);
      assert.equal(problem, undefined, `${c.name} (nodes ${c.nodes.join(' → ')}): ${problem}`);
      const ids = c.events.map((e) => String(e.event_id));
      assert.equal(new Set(ids).size, ids.length, `${c.name}: duplicate event_id`);
      assert.equal(
        c.frames.filter((f) => f.type === 'resync_required').length,
        0,
        `${c.name}: resync_required`,
      );
    }
    for (const c of onVictim) {
      assert.equal(c.closes.at(-1)?.code, 1006, `${c.name}: its socket dropped with the node`);
      assert.equal(c.nodes.at(-1), 'nginx-1', `${c.name} resumed through nginx on node 1: ${c.nodes}`);
    }
    const untouched = clients.filter((c) => !onVictim.includes(c));
    for (const c of untouched) assert.deepEqual(c.closes, [], `${c.name} (node 1) kept its socket`);
    t.diagnostic(
      `${onVictim.length} clients moved; failed webhook attempts ${failures.length} (${[...new Set(failures)].join(', ')}); ` +
        `all clients at seq ${h}: ${Date.now() - t0} ms`,
    );
  });
});

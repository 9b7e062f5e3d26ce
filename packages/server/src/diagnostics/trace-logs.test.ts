/**
 * The trace id in every hop's log line, on one node with pino JSON logs at
 * info in a file (SQLite and PostgreSQL): for an Evolution and a Cloud API
 * message, `newton trace` by provider message id and by Newton id shows
 * received → routed → stored seq N → published → delivered to K sockets on
 * this node, each read from the node's own log line carrying the trace id.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { WebSocket } from 'ws';
import { runCli } from '../../testing/cli-runner.js';
import { cloudBody, messagesValue, metaJson, signedHeaders } from '../../testing/cloud-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestSocket } from '../../testing/harness.js';
import { type NewtonNode, startNode } from '../app.js';
import { loadConfig } from '../config.js';

const SECRET = 'trace-logs-secret-0123456789abcdef';
const NODE = 'trace-node';
const APP_SECRET = 'trace-logs-app-secret';
const PHONE_NUMBER_ID = '301112223334445';

describe('trace ids in every hop of the logs', () => {
  let database: TestDatabase;
  let dir: string;
  let logFile: string;
  let node: NewtonNode;
  const sockets: TestSocket[] = [];

  const env = () => ({
    ...process.env,
    DATA_DIR: dir,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  });

  async function connect(): Promise<TestSocket> {
    const token = await node.tokens.issue({ tenants: ['acme'], ttlSeconds: 600, userId: 'agent-1' });
    const s = new TestSocket(
      new WebSocket(`${node.url.replace(/^http/, 'ws')}/ws/conversations/acme?token=${token}`),
    );
    sockets.push(s);
    await s.waitFor('connection_established');
    return s;
  }

  /** The log lines (parsed) that carry `trace`. */
  const linesOf = (trace: string) =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.trace === trace);

  /** `newton trace <query> --log <file>` must show every hop from this node's log. */
  async function assertJourney(query: string, trace: string, instance: string, auth: string, k: number) {
    const r = await runCli(['trace', query, '--log', logFile], env());
    assert.equal(r.code, 0, r.out + r.err);
    const has = (re: RegExp) => assert.match(r.out, re, `${re} in:\n${r.out}`);
    has(new RegExp(`^trace ${trace}$`, 'm'));
    has(new RegExp(`^✔ received .* ${NODE} +webhook received`, 'm'));
    has(
      new RegExp(
        `^✔ routed .* ${NODE} +webhook routed, instance ${instance}, tenant acme, auth ${auth}`,
        'm',
      ),
    );
    has(
      new RegExp(`^✔ stored .* ${NODE} +message stored, tenant acme, message [0-9a-f-]{36}, seq \\d+`, 'm'),
    );
    has(new RegExp(`^✔ published .* ${NODE} +events published, tenant acme, seq [\\d,]+, via memory`, 'm'));
    has(
      new RegExp(
        `^✔ delivered .* ${NODE} +event delivered to sockets, tenant acme, seq \\d+, new_message, → ${k} socket\\(s\\)`,
        'm',
      ),
    );
  }

  before(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'newton-trace-logs-'));
    logFile = path.join(dir, `${NODE}.log`);
    const config = {
      ...loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, NODE_ID: NODE }),
      databaseUrl: database.url,
      jwtSecret: SECRET,
    };
    const logger = pino(
      { level: 'info', base: { node: NODE } },
      pino.destination({ dest: logFile, sync: true }),
    );
    node = await startNode(config, logger);
    await node.store.admin.createTenant('acme', null);
    await node.store.admin.createInstance({
      tenantId: 'acme',
      provider: 'evolution',
      name: 'acme-wa',
      number: '573014165044',
      apikey: 'k',
    });
    await node.store.admin.createInstance({
      tenantId: 'acme',
      provider: 'cloud',
      name: PHONE_NUMBER_ID,
      apikey: 'EAAG-trace-logs',
      appSecret: APP_SECRET,
      verifyToken: 'vt',
    });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await node?.close().catch(() => {});
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an Evolution message: every hop logs its trace id, and trace shows the journey', async () => {
    const [a, b] = [await connect(), await connect()];
    const res = await fetch(`${node.url}/webhooks/evolution`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-logs-evo-1' },
      body: JSON.stringify(
        upsertBody({ instance: 'acme-wa', sender: '573014165044', apikey: 'k', id: 'TRACELOGSEVO01' }),
      ),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { message_id: string };
    for (const s of [a, b])
      await s.next((f) => (f.message as { id?: string } | undefined)?.id === body.message_id);

    const msgs = linesOf('trace-logs-evo-1').map((l) => l.msg);
    for (const m of ['webhook received', 'webhook routed', 'message stored', 'events published']) {
      assert.ok(msgs.includes(m), `"${m}" logged with the trace id: ${JSON.stringify(msgs)}`);
    }
    assert.ok(msgs.includes('event delivered to sockets'));
    assert.ok(linesOf('trace-logs-evo-1').every((l) => l.node === NODE));

    await assertJourney('TRACELOGSEVO01', 'trace-logs-evo-1', 'acme-wa', 'body_apikey', 2);
    await assertJourney(body.message_id, 'trace-logs-evo-1', 'acme-wa', 'body_apikey', 2);

    // --json: the same journey for machines.
    const json = await runCli(['trace', 'TRACELOGSEVO01', '--log', logFile, '--json'], env());
    assert.equal(json.code, 0, json.err);
    const result = JSON.parse(json.out) as {
      found: boolean;
      message: { id: string };
      trace_ids: string[];
      steps: { hop: string; source: string; ok: boolean }[];
    };
    assert.equal(result.found, true);
    assert.equal(result.message.id, body.message_id);
    assert.deepEqual(result.trace_ids, ['trace-logs-evo-1']);
    const fromLog = new Set(result.steps.filter((st) => st.source === NODE).map((st) => st.hop));
    assert.deepEqual([...fromLog].sort(), ['delivered', 'published', 'received', 'routed', 'stored']);
    assert.ok(result.steps.every((st) => st.ok));
  });

  test('a Cloud API message: the same hops, routed by its signature', async () => {
    // The first test's two sockets are still open: four in all.
    const [a, b] = [await connect(), await connect()];
    const raw = metaJson(
      cloudBody(messagesValue({ phoneNumberId: PHONE_NUMBER_ID, id: 'wamid.TRACELOGSCLOUD01' })),
    );
    const res = await fetch(`${node.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { ...signedHeaders(raw, APP_SECRET), 'x-request-id': 'trace-logs-cloud-1' },
      body: raw,
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { outcome: string; message_id: string };
    assert.equal(body.outcome, 'accepted');
    for (const s of [a, b])
      await s.next((f) => (f.message as { id?: string } | undefined)?.id === body.message_id);

    await assertJourney('wamid.TRACELOGSCLOUD01', 'trace-logs-cloud-1', PHONE_NUMBER_ID, 'signature', 4);
  });
});

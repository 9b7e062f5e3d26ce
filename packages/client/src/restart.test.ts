/**
 * Server restarts through the SDK, with `newton start` as a real process on a
 * fixed port and the same data directory (and database): SIGKILL in the
 * middle of a stream of customer messages, then a graceful restart (SIGTERM →
 * 1012). Messages keep arriving throughout, posted the way Evolution does
 * (retried until answered 2xx, same message id). The client must end with
 * every message exactly once, in order.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@newton/server/testing/databases';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { NewtonProcess } from '@newton/server/testing/reconnecting-client';
import { freePort } from '@newton/server/testing/redis';
import { WebSocket } from 'ws';
import { waitForState } from '../testing/stubs.js';
import type { CloseInfo } from './emitter.js';
import { type ConnectionState, WebSocketService } from './index.js';

const TENANT = 'restart_tenant';
const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-client-restart-'));
let database: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;
let baseUrl: string;
let token: string;
const processes: NewtonProcess[] = [];

before(async () => {
  database = await createTestDatabase();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(24).toString('hex'),
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  // Seed the shared storage in-process (faster than three `newton` CLI processes), then let it go.
  const seed = await TestNewton.start({ jwtSecret: env.JWT_SECRET }, { dataDir, database });
  await seed.addTenant(TENANT);
  await seed.addInstance({ tenantId: TENANT, name: 'restart-wa' });
  token = await seed.token(TENANT, { user: 'ana' });
  await seed.close();
});
after(async () => {
  for (const p of processes) await p.kill('SIGKILL');
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startServer(name: string): Promise<NewtonProcess> {
  const p = await NewtonProcess.start(env, name);
  processes.push(p);
  return p;
}

/** Posts like Evolution: retried (same body, same message id) until a 2xx answer. */
async function deliver(i: number, text: string): Promise<void> {
  const body = JSON.stringify(
    upsertBody({ instance: 'restart-wa', sender: null, text, id: `3EB0RESTART${i}` }),
  );
  await eventually(
    async () => {
      try {
        const res = await fetch(`${baseUrl}/webhooks/evolution`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(2000),
        });
        return res.ok;
      } catch {
        return false; // down or restarting: retry
      }
    },
    60_000,
    `a 2xx for message ${i}`,
  );
}

test('SIGKILL and restart on the same port while messages keep arriving, then a graceful restart (1012): every message once, in order', async (t) => {
  let server = await startServer('newton-1');
  const svc = new WebSocketService({
    baseUrl,
    tenantId: TENANT,
    getToken: () => token,
    WebSocket,
    window: null,
    document: null,
    backoffMaxMs: 1000,
    stableAfterMs: 500,
    restartJitterMs: 300,
  });
  const texts: string[] = [];
  const seqs: number[] = [];
  const closes: CloseInfo[] = [];
  const waits: { code: number; delayMs: number }[] = [];
  svc.on('new_message', (e) => texts.push(e.message.content ?? ''));
  svc.on('event', (e) => seqs.push(e.seq));
  svc.on('close', (c) => closes.push(c));
  svc.on('state', (s: ConnectionState) => {
    if (s.status === 'reconnecting') waits.push({ code: s.code, delayMs: s.nextAt - Date.now() });
  });
  svc.connect();
  await waitForState(svc, 'open');

  const expected = Array.from({ length: 40 }, (_, i) => `restart ${i + 1}`);
  let posted = 0;
  const poster = (async () => {
    for (const [i, text] of expected.entries()) {
      await deliver(i, text);
      posted++;
      await new Promise((r) => setTimeout(r, 15)); // pacing: a stream over the restarts, not a burst
    }
  })();

  // 1. SIGKILL mid-stream: no close frame, the socket just dies (1006).
  await eventually(() => texts.length >= 10, 15_000, '10 messages before the kill');
  const closesAtKill = closes.length;
  await server.kill('SIGKILL');
  const killedAt = Date.now();
  // The client sees the kill (1006), then meets a node that is down: an attempt is refused.
  await eventually(
    () => {
      const since = closes.slice(closesAtKill);
      return since.some((c) => c.code === 1006 && c.established) && since.some((c) => !c.established);
    },
    10_000,
    'the kill seen and a refused attempt',
  );
  server = await startServer('newton-2');
  await waitForState(svc, 'open', 15_000);
  const downMs = Date.now() - killedAt;

  // 2. A graceful restart: the server says 1012, the SDK comes back promptly.
  await eventually(() => posted >= 25, 15_000, '25 messages posted');
  const closesBefore = closes.length;
  await server.kill('SIGTERM');
  await eventually(() => closes.length > closesBefore, 5000, 'the 1012 close');
  assert.deepEqual(closes[closesBefore], { code: 1012, reason: 'service_restart', established: true });
  // Prompt: the wait after 1012 is the restart jitter (< 300 ms here), not the backoff.
  const restartWait = waits.find((w) => w.code === 1012);
  assert.ok(
    restartWait && restartWait.delayMs >= 0 && restartWait.delayMs < 300,
    JSON.stringify(restartWait),
  );
  server = await startServer('newton-3');

  await poster;
  await eventually(() => texts.length >= expected.length, 20_000, 'every message');
  // One more message: anything trailing in (a duplicate) would come before it.
  await deliver(expected.length, 'restart marker');
  await eventually(() => texts.at(-1) === 'restart marker', 5000, 'the marker');
  assert.deepEqual(texts, [...expected, 'restart marker'], 'every message once, in order');
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    'every event once, no gap',
  );
  assert.ok(
    closes.some((c) => c.code === 1006 && c.established),
    'the SIGKILL was seen as 1006',
  );
  t.diagnostic(`SIGKILL → back open in ${downMs} ms; ${closes.length} socket closes; lastSeq ${svc.lastSeq}`);
  svc.destroy();
  await server.kill('SIGTERM');
});

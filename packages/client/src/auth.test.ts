/**
 * Auth through the SDK against a real node: a token that expires mid-session
 * is refreshed once and the session resumes without loss; a user who can no
 * longer get a token (getToken rejects, or the server refuses twice) ends in
 * `unauthorized` with no further attempts; a tenant outside the token ends in
 * `forbidden`. Attempts are counted at a TCP proxy in front of the server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { WebSocket } from 'ws';
import { TrackedClock, waitForState } from '../testing/stubs.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import type { CloseInfo } from './emitter.js';
import { type TokenRequest, WebSocketService, type WebSocketServiceOptions } from './index.js';

const TENANT = 'auth_tenant';
let newton: TestNewton;
let proxy: TcpProxy;
const services: WebSocketService[] = [];
let n = 0;

before(async () => {
  // A short heartbeat: the server's sweep notices an expired token within 200 ms.
  newton = await TestNewton.start({ heartbeatIntervalMs: 200 });
  await newton.addTenant(TENANT);
  await newton.addTenant('other_tenant');
  await newton.addInstance({ tenantId: TENANT, name: 'auth-wa' });
  proxy = await TcpProxy.start(Number(new URL(newton.url).port));
});
after(async () => {
  for (const s of services) s.destroy();
  await proxy.close();
  await newton.close();
});

function service(
  getToken: WebSocketServiceOptions['getToken'],
  tenantId = TENANT,
  clock = new TrackedClock(),
): WebSocketService {
  const svc = new WebSocketService({
    baseUrl: proxy.url,
    tenantId,
    getToken,
    WebSocket,
    window: null,
    document: null,
    clock,
  });
  services.push(svc);
  return svc;
}

async function customerWrites(): Promise<string> {
  const text = `auth ${++n}`;
  const res = await newton.evolution(upsertBody({ instance: 'auth-wa', sender: null, text }));
  assert.equal(res.status, 200);
  return text;
}

/**
 * Proxy connections made since `mark`, once the service has stopped: the
 * server closed every socket it opened, so the proxy has counted them all, and
 * with no timer pending on its clock no further attempt can come.
 */
function attemptsSince(mark: number, clock: TrackedClock): number {
  assert.equal(clock.pending, 0, 'nothing scheduled: no further attempt');
  return proxy.accepts.length - mark;
}

test('a token that expires mid-session: exactly one refresh, a reconnect, and no message lost', async () => {
  const requests: TokenRequest[] = [];
  const svc = service(async (req) => {
    requests.push(req);
    // The first token lives one second; the refreshed one an hour.
    return newton.token(TENANT, { user: 'ana', ttlSeconds: requests.length === 1 ? 1 : 3600 });
  });
  const texts: string[] = [];
  const seqs: number[] = [];
  svc.on('new_message', (e) => texts.push(e.message.content ?? ''));
  svc.on('event', (e) => seqs.push(e.seq));
  const closes: CloseInfo[] = [];
  const posted: Promise<string>[] = [];
  svc.on('close', (c) => {
    closes.push(c);
    posted.push(customerWrites()); // a customer writes while the client is between sockets
  });
  svc.connect();
  await waitForState(svc, 'open');
  posted.push(customerWrites());
  await eventually(() => closes.length === 1, 5000, 'the token_expired close');
  assert.deepEqual(closes[0], { code: 4401, reason: 'token_expired', established: true });
  await waitForState(svc, 'open');
  await Promise.all(posted);
  posted.push(customerWrites());
  const expected = await Promise.all(posted);
  await eventually(() => texts.length === 3, 5000, 'all three messages');

  assert.deepEqual(texts, expected);
  assert.deepEqual(requests, [{ refresh: false }, { refresh: true }], 'one refresh');
  assert.equal(closes.length, 1);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    'no gap, no duplicate',
  );
  svc.destroy();
});

test('a revoked user: getToken rejects after the token expires → unauthorized, no further attempts', async () => {
  let calls = 0;
  const clock = new TrackedClock();
  const svc = service(
    async () => {
      if (++calls > 1) throw new Error('session revoked');
      return newton.token(TENANT, { ttlSeconds: 1 });
    },
    TENANT,
    clock,
  );
  const mark = proxy.accepts.length;
  svc.connect();
  await waitForState(svc, 'open');
  const final = await waitForState(svc, 'unauthorized', 5000);
  assert.deepEqual(final, { status: 'unauthorized', reason: 'get_token_failed' });
  assert.equal(attemptsSince(mark, clock), 1, 'only the first socket');
  assert.equal(calls, 2);
});

test('a token the server refuses twice (4401, retry, 4401) → unauthorized, exactly two attempts', async () => {
  const requests: TokenRequest[] = [];
  const clock = new TrackedClock();
  const svc = service(
    (req) => {
      requests.push(req);
      return 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.not-a-valid-signature';
    },
    TENANT,
    clock,
  );
  const closes: CloseInfo[] = [];
  svc.on('close', (c) => closes.push(c));
  const mark = proxy.accepts.length;
  svc.connect();
  const final = await waitForState(svc, 'unauthorized', 5000);
  assert.deepEqual(final, { status: 'unauthorized', reason: 'unauthorized' });
  assert.equal(attemptsSince(mark, clock), 2);
  assert.deepEqual(
    closes.map((c) => [c.code, c.reason, c.established]),
    [
      [4401, 'unauthorized', false],
      [4401, 'unauthorized', false],
    ],
  );
  assert.deepEqual(requests, [{ refresh: false }, { refresh: true }]);
});

test('4403: a token without this tenant → forbidden after one attempt', async () => {
  const clock = new TrackedClock();
  const svc = service(() => newton.token('other_tenant'), TENANT, clock);
  const mark = proxy.accepts.length;
  svc.connect();
  assert.deepEqual(await waitForState(svc, 'forbidden', 5000), { status: 'forbidden', reason: 'forbidden' });
  assert.equal(attemptsSince(mark, clock), 1);
});

test('4404: a tenant that does not exist is treated like 4403 (forbidden, reason unknown_tenant)', async () => {
  const clock = new TrackedClock();
  const svc = service(() => newton.token('ghost_tenant'), 'ghost_tenant', clock);
  const mark = proxy.accepts.length;
  svc.connect();
  assert.deepEqual(await waitForState(svc, 'forbidden', 5000), {
    status: 'forbidden',
    reason: 'unknown_tenant',
  });
  assert.equal(attemptsSince(mark, clock), 1);
});

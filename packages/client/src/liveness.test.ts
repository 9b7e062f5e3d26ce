/**
 * Liveness against a real node through a TCP proxy that turns the
 * connection half-open (no FIN, no RST, nothing forwarded): the SDK notices
 * within the pong deadline and recovers through a fresh connection, with
 * nothing lost. Time is a manual clock, so the defaults (30 s ping, 10 s pong
 * deadline) are exercised without waiting for them; one test uses real time
 * with short intervals. A laptop that slept with its timers frozen notices at
 * the first look at the clock after waking.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { WebSocket } from 'ws';
import { ManualClock } from '../testing/manual-clock.js';
import { FakeDocument, waitForState } from '../testing/stubs.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import type { CloseInfo } from './emitter.js';
import { WebSocketService, type WebSocketServiceOptions } from './index.js';

const TENANT = 'live_tenant';
let newton: TestNewton;
let proxy: TcpProxy;
const services: WebSocketService[] = [];
let n = 0;

before(async () => {
  newton = await TestNewton.start(); // heartbeat_interval_ms 30000: the SDK's ping interval by default
  await newton.addTenant(TENANT);
  await newton.addInstance({ tenantId: TENANT, name: 'live-wa' });
  proxy = await TcpProxy.start(Number(new URL(newton.url).port));
});
after(async () => {
  for (const s of services) s.destroy();
  await proxy.close();
  await newton.close();
});

interface Probe {
  svc: WebSocketService;
  texts: string[];
  seqs: number[];
  closes: CloseInfo[];
  pongs: number;
  pingsSentAt: number[];
}

function service(extra: Partial<WebSocketServiceOptions>, clock?: ManualClock): Probe {
  const svc = new WebSocketService({
    baseUrl: proxy.url,
    tenantId: TENANT,
    getToken: () => newton.token(TENANT),
    WebSocket,
    window: null,
    document: null,
    // a fixed draw: with Math.random a 0 ms reconnect delay (1 in 500) would run inside the advance() that
    // reaches the pong deadline, and the test would see 'connecting' where it asserts 'reconnecting'
    random: () => 0.5,
    ...(clock ? { clock } : {}),
    ...extra,
  });
  services.push(svc);
  const p: Probe = { svc, texts: [], seqs: [], closes: [], pongs: 0, pingsSentAt: [] };
  svc.on('new_message', (e) => p.texts.push(e.message.content ?? ''));
  svc.on('event', (e) => p.seqs.push(e.seq));
  svc.on('close', (c) => p.closes.push(c));
  svc.on('frame', (f) => {
    if (f.type === 'pong') p.pongs++;
  });
  return p;
}

async function customerWrites(): Promise<string> {
  const text = `live ${++n}`;
  const res = await newton.evolution(upsertBody({ instance: 'live-wa', sender: null, text }));
  assert.equal(res.status, 200);
  return text;
}

function assertContiguous(seqs: number[]): void {
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    'every event once, in order',
  );
}

/** From `reconnecting` on a manual clock: runs the backoff timer and waits for the new socket. */
async function recover(p: Probe, clock: ManualClock): Promise<void> {
  const s = p.svc.state.get();
  assert.equal(s.status, 'reconnecting');
  if (s.status === 'reconnecting') {
    assert.ok(s.nextAt - clock.now() < 500, 'first attempt within the first backoff window');
    clock.advance(s.nextAt - clock.now());
  }
  await waitForState(p.svc, 'open');
}

test('half-open TCP: detected at the pong deadline (default 30 s ping + 10 s deadline, manual clock), recovered without loss', async (t) => {
  const clock = new ManualClock();
  const p = service({}, clock);
  p.svc.connect();
  await waitForState(p.svc, 'open');
  const sent = [await customerWrites()];
  await eventually(() => p.texts.length === 1, 5000, 'first message');

  const wallStart = Date.now();
  const blackholedAt = clock.now();
  proxy.blackhole();
  sent.push(await customerWrites()); // the server writes it into the void

  const swallowed = proxy.swallowedFromClients;
  clock.advance(30_000); // the ping interval: a ping goes out, into the void
  const pingAt = clock.now();
  await eventually(() => proxy.swallowedFromClients > swallowed, 5000, 'the ping to vanish at the proxy');
  assert.equal(p.pongs, 0, 'the server never saw the ping');
  clock.advance(9_999);
  assert.equal(p.svc.state.get().status, 'open', 'not before the deadline');
  clock.advance(1);
  assert.equal(p.svc.state.get().status, 'reconnecting', 'at the deadline');
  const detectedAfterPing = clock.now() - pingAt;
  const detectedAfterBlackhole = clock.now() - blackholedAt;
  assert.equal(detectedAfterPing, 10_000);
  assert.deepEqual(p.closes, [{ code: 4000, reason: 'pong_timeout', established: true }]);

  await recover(p, clock); // a fresh connection through the proxy: the healthy path
  sent.push(await customerWrites());
  await eventually(() => p.texts.length === 3, 5000, 'all three messages');
  assert.deepEqual(p.texts, sent);
  assertContiguous(p.seqs);
  t.diagnostic(
    `half-open detected ${detectedAfterPing} ms (clock) after the unanswered ping, ` +
      `${detectedAfterBlackhole} ms (clock) after the link went silent; whole test ${Date.now() - wallStart} ms wall`,
  );
  p.svc.destroy();
});

test('half-open TCP with real time and short intervals (ping 200 ms, deadline 300 ms)', async (t) => {
  const p = service({ pingIntervalMs: 200, pongTimeoutMs: 300, backoffBaseMs: 50 });
  p.svc.connect();
  await waitForState(p.svc, 'open');
  await eventually(() => p.pongs >= 2, 5000, 'pongs while healthy');
  const sent = [await customerWrites()];
  const start = Date.now();
  proxy.blackhole();
  sent.push(await customerWrites());
  await waitForState(p.svc, 'reconnecting', 3000);
  const detectedMs = Date.now() - start;
  assert.ok(detectedMs <= 200 + 300 + 300, `detected in ${detectedMs} ms (≤ interval + deadline + slack)`);
  await waitForState(p.svc, 'open');
  sent.push(await customerWrites());
  await eventually(() => p.texts.length === 3, 5000, 'all three messages');
  assert.deepEqual(p.texts, sent);
  assertContiguous(p.seqs);
  t.diagnostic(`half-open detected in ${detectedMs} ms of real time (ping 200 ms + deadline 300 ms)`);
  p.svc.destroy();
});

test('a laptop that slept with a ping outstanding sees the stale socket at the first look after waking', async (t) => {
  const clock = new ManualClock();
  const doc = new FakeDocument();
  const p = service({ document: doc }, clock);
  p.svc.connect();
  await waitForState(p.svc, 'open');
  clock.advance(30_000);
  await eventually(() => p.pongs === 1, 5000, 'a healthy round trip');

  proxy.blackhole(); // the network went away while the lid was closed
  const sent = [await customerWrites()];
  clock.advance(30_000); // a ping goes out just before sleeping
  clock.jump(3_600_000); // an hour asleep: no timer ran
  assert.equal(p.svc.state.get().status, 'open', 'nothing noticed while asleep');
  doc.setVisibility('visible'); // woken: the page is visible again
  assert.equal(p.svc.state.get().status, 'reconnecting', 'noticed synchronously, on wake');
  t.diagnostic('stale socket detected 0 ms after wake (the deadline had passed on the clock)');

  await recover(p, clock);
  await eventually(() => p.texts.length === 1, 5000, 'the message sent while asleep');
  assert.deepEqual(p.texts, sent);
  p.svc.destroy();
});

test('a page visible again after a long hidden stretch pings at once and replaces a stale socket 10 s later', async () => {
  const clock = new ManualClock();
  const doc = new FakeDocument();
  const p = service({ document: doc }, clock);
  p.svc.connect();
  await waitForState(p.svc, 'open');
  doc.setVisibility('hidden');
  proxy.blackhole();
  clock.jump(5 * 60_000); // a background tab: throttled timers did not run
  doc.setVisibility('visible');
  assert.equal(p.svc.state.get().status, 'open');
  const wokeAt = clock.now();
  clock.advance(10_000);
  assert.equal(p.svc.state.get().status, 'reconnecting');
  assert.equal(clock.now() - wokeAt, 10_000, 'within the pong deadline of becoming visible');
  await recover(p, clock);
  p.svc.destroy();
});

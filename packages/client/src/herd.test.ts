/**
 * The thundering herd: 100 clients on one node lose their sockets at the same
 * instant (the proxy in front drops every connection). Full jitter must
 * spread their reconnect attempts over the first backoff window instead of
 * landing them in the same few milliseconds. The spread is asserted on the
 * delays the clients chose (the jitter each drew), which a busy machine cannot
 * bend; where the attempts arrive (at the proxy) is checked to never come
 * before those delays, and reported.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { WebSocket } from 'ws';
import { TrackedClock } from '../testing/stubs.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import { WebSocketService } from './index.js';

const TENANT = 'herd_tenant';
const CLIENTS = 100;
const BASE_MS = 1000;
const STABLE_MS = 100;
let newton: TestNewton;
let proxy: TcpProxy;
const services: WebSocketService[] = [];

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant(TENANT);
  proxy = await TcpProxy.start(Number(new URL(newton.url).port));
});
after(async () => {
  for (const s of services) s.destroy();
  await proxy.close();
  await newton.close();
});

test('100 clients dropped at once spread their reconnects over the backoff window (full jitter)', async (t) => {
  const token = await newton.token(TENANT);
  const clocks: TrackedClock[] = [];
  // Every jitter draw of every client; after the drop, each client draws once for its reconnect.
  const draws: number[] = [];
  const random = () => {
    const r = Math.random();
    draws.push(r);
    return r;
  };
  for (let i = 0; i < CLIENTS; i++) {
    const clock = new TrackedClock();
    clocks.push(clock);
    const svc = new WebSocketService({
      baseUrl: proxy.url,
      tenantId: TENANT,
      getToken: () => token,
      WebSocket,
      window: null,
      document: null,
      backoffBaseMs: BASE_MS,
      stableAfterMs: STABLE_MS,
      clock,
      random,
    });
    services.push(svc);
    svc.connect();
  }
  const allOpen = () => services.every((s) => s.state.get().status === 'open');
  await eventually(allOpen, 15_000, 'all clients open');
  // Each connection's stable timer has fired: every client is on attempt 1 next.
  await eventually(() => clocks.every((c) => c.fired.includes(STABLE_MS)), 5000, 'stable connections');

  const mark = proxy.accepts.length;
  const drawn = draws.length;
  const droppedAt = Date.now();
  proxy.dropAll();
  await eventually(() => proxy.accepts.length - mark >= CLIENTS && allOpen(), 15_000, 'all clients back');
  const offsets = proxy.accepts
    .slice(mark)
    .map((at) => at - droppedAt)
    .sort((a, b) => a - b);
  assert.equal(offsets.length, CLIENTS, 'one attempt each (the node was up)');

  // Attempt 1's delay is uniform in [0, BASE_MS) (full jitter).
  const delays = draws
    .slice(drawn)
    .map((r) => Math.floor(r * BASE_MS))
    .sort((a, b) => a - b);
  assert.equal(delays.length, CLIENTS, 'each client drew one reconnect delay');
  // A client reconnects no earlier than its delay after the drop: the k-th attempt never precedes the k-th delay.
  for (const [k, delay] of delays.entries()) {
    assert.ok(offsets[k]! >= delay, `attempt ${k} at ${offsets[k]} ms, before its delay ${delay} ms`);
  }

  const spread = delays.at(-1)! - delays[0]!;
  const buckets = [0, 0, 0, 0, 0];
  for (const ms of delays) buckets[Math.min(4, Math.floor(ms / (BASE_MS / 5)))]!++;
  let busiest10ms = 0;
  for (let i = 0; i < delays.length; i++) {
    let j = i;
    while (j < delays.length && delays[j]! - delays[i]! < 10) j++;
    busiest10ms = Math.max(busiest10ms, j - i);
  }
  t.diagnostic(
    `reconnect delays drawn (ms): min ${delays[0]}, median ${delays[50]}, max ${delays.at(-1)}; ` +
      `per 200 ms: ${buckets.join(' / ')}; busiest 10 ms window: ${busiest10ms}; ` +
      `attempts arrived ${offsets[0]}..${offsets.at(-1)} ms after the drop (median ${offsets[50]})`,
  );

  // Uniform over [0, 1000 ms): each fifth of the window holds about 20 (the bounds are
  // wide enough that a fair draw fails them about once in 50,000 runs).
  // Without jitter all 100 would land within a few ms of each other.
  assert.ok(spread >= 0.6 * BASE_MS, `spread ${spread} ms`);
  for (const [i, count] of buckets.entries()) assert.ok(count >= 5 && count <= 50, `bucket ${i}: ${count}`);
  assert.ok(busiest10ms <= 15, `at most 15 attempts in any 10 ms (got ${busiest10ms})`);
  const median = delays[CLIENTS / 2]!;
  assert.ok(median > 0.25 * BASE_MS && median < 0.75 * BASE_MS, `median ${median} ms`);
});

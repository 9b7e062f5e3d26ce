/**
 * The thundering herd: 100 clients on one node lose their sockets at the same
 * instant (the proxy in front drops every connection). Full jitter must
 * spread their reconnect attempts over the first backoff window instead of
 * landing them in the same few milliseconds. Attempt times are recorded where
 * they arrive: at the proxy.
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
    });
    services.push(svc);
    svc.connect();
  }
  const allOpen = () => services.every((s) => s.state.get().status === 'open');
  await eventually(allOpen, 15_000, 'all clients open');
  // Each connection's stable timer has fired: every client is on attempt 1 next.
  await eventually(() => clocks.every((c) => c.fired.includes(STABLE_MS)), 5000, 'stable connections');

  const mark = proxy.accepts.length;
  const droppedAt = Date.now();
  proxy.dropAll();
  await eventually(() => proxy.accepts.length - mark >= CLIENTS && allOpen(), 15_000, 'all clients back');
  const offsets = proxy.accepts
    .slice(mark)
    .map((at) => at - droppedAt)
    .sort((a, b) => a - b);
  assert.equal(offsets.length, CLIENTS, 'one attempt each (the node was up)');

  const spread = offsets.at(-1)! - offsets[0]!;
  const buckets = [0, 0, 0, 0, 0];
  // Fifths of the window, from the first attempt (the clients notice the drop a few ms apart under load).
  for (const ms of offsets) buckets[Math.min(4, Math.floor((ms - offsets[0]!) / (BASE_MS / 5)))]!++;
  let busiest10ms = 0;
  for (let i = 0; i < offsets.length; i++) {
    let j = i;
    while (j < offsets.length && offsets[j]! - offsets[i]! < 10) j++;
    busiest10ms = Math.max(busiest10ms, j - i);
  }
  t.diagnostic(
    `reconnect offsets (ms after the drop): min ${offsets[0]}, median ${offsets[50]}, max ${offsets.at(-1)}; ` +
      `per 200 ms from the first: ${buckets.join(' / ')}; busiest 10 ms window: ${busiest10ms}`,
  );

  // Uniform over [0, 1000 ms) plus latency: each fifth of the window holds about 20. The node and
  // the proxy share this process, so handshakes delay the event loop a little; the bounds allow it.
  // (Without jitter all 100 would land within a few ms of each other.)
  assert.ok(spread >= 0.6 * BASE_MS, `spread ${spread} ms`);
  assert.ok(offsets.at(-1)! < 2 * BASE_MS, `last attempt ${offsets.at(-1)} ms after the drop`);
  for (const [i, count] of buckets.entries()) assert.ok(count >= 5 && count <= 50, `bucket ${i}: ${count}`);
  assert.ok(busiest10ms <= 15, `at most 15 attempts in any 10 ms (got ${busiest10ms})`);
  const median = offsets[CLIENTS / 2]!;
  assert.ok(
    median - offsets[0]! > 0.25 * BASE_MS && median - offsets[0]! < 0.75 * BASE_MS,
    `median ${median} ms`,
  );
});

/**
 * The founding story through the SDK (docs/client.md, docs/protocol.md §8.2), against a real Newton
 * node and real sockets: a frontend connects with WebSocketService,
 * subscribes to messages, a customer writes on WhatsApp, and `new_message`
 * reaches its handler with every contract field — once, even when the server
 * replays what the client already has. Plus the SDK's own promises:
 * disconnect() means disconnected, the send queue is bounded and says what
 * it drops, and destroy() leaves no listener behind.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NewMessageEvent, ServerFrame, TenantEvent } from '@newton/protocol';
import { assertStoryMessage } from '@newton/server/testing/contract';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { WebSocket } from 'ws';
import {
  FakeDocument,
  FakeTarget,
  recordingWebSocket,
  socketListeners,
  TrackedClock,
  waitForState,
} from '../testing/stubs.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import type { DroppedFrame } from './emitter.js';
import { WebSocketService, type WebSocketServiceOptions } from './index.js';

const TENANT = 'celucambio_main';
let newton: TestNewton;
let proxy: TcpProxy;
const services: WebSocketService[] = [];
let messageNo = 0;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant(TENANT, 'Celucambio');
  await newton.addInstance({
    tenantId: TENANT,
    name: 'celucambio',
    number: '573014165044',
    apikey: 'evo-key-1',
  });
  proxy = await TcpProxy.start(Number(new URL(newton.url).port));
});
after(async () => {
  for (const s of services) s.destroy();
  await proxy.close();
  await newton.close();
});

function service(extra: Partial<WebSocketServiceOptions> = {}): WebSocketService {
  const svc = new WebSocketService({
    baseUrl: newton.url,
    tenantId: TENANT,
    getToken: () => newton.token(TENANT, { user: 'ana' }),
    WebSocket,
    window: null,
    document: null,
    ...extra,
  });
  services.push(svc);
  return svc;
}

/** A customer message through the real webhook path. */
async function customerWrites(text = `mensaje ${++messageNo}`): Promise<string> {
  const res = await newton.evolution(
    upsertBody({
      instance: 'celucambio',
      from: '573001112233',
      sender: '573014165044',
      apikey: 'evo-key-1',
      pushName: 'Ana',
      text,
      timestamp: 1764000000,
    }),
  );
  assert.equal(res.status, 200);
  return text;
}

test('founding story: subscribe to messages, a customer writes, new_message arrives with every contract field', async () => {
  const lines: string[] = [];
  let token = '';
  const svc = service({
    getToken: async () => (token = await newton.token(TENANT, { user: 'ana' })),
    debug: (line) => lines.push(line),
  });
  const got: NewMessageEvent[] = [];
  const frames: ServerFrame[] = [];
  svc.on('new_message', (e) => got.push(e));
  svc.on('frame', (f) => frames.push(f));
  const states: string[] = [];
  svc.state.subscribe((s) => states.push(s.status));

  svc.connect();
  await waitForState(svc, 'open');
  assert.deepEqual(states, ['idle', 'connecting', 'open']);
  assert.equal(
    frames[0]?.type,
    'connection_established',
    'open means connection_established, not the TCP open',
  );
  assert.equal(svc.send({ type: 'subscribe', channels: ['messages'] }), 'sent');
  await eventually(() => frames.some((f) => f.type === 'subscribed'), 5000, 'subscribed');

  await customerWrites('Hola, quiero vender mi celular');
  await eventually(() => got.length === 1, 5000, 'new_message');
  const ev = got[0]!;
  assertStoryMessage(ev);
  assert.equal(svc.lastSeq, ev.seq);

  // Debug lines in the style the frontend used, and never the token.
  assert.ok(
    lines.some((l) =>
      /^\[WebSocket\] Connecting to ws:\/\/127\.0\.0\.1:\d+\/ws\/conversations\/celucambio_main\?token=\[redacted\]$/.test(
        l,
      ),
    ),
  );
  assert.ok(lines.some((l) => l.startsWith('[WebSocket] Connected')));
  assert.ok(lines.some((l) => l.startsWith('[WebSocket] 📨 Raw incoming data: {"type":"new_message"')));
  assert.ok(token.length > 20 && !lines.some((l) => l.includes(token)), 'the token never appears');
  svc.destroy();
});

test('handlers are never called twice for one event, even when a resume replays what the client has', async () => {
  const svc = service();
  const byId = new Map<string, number>();
  const typed: string[] = [];
  const seqs: number[] = [];
  svc.on('event', (e: TenantEvent) => {
    byId.set(e.event_id, (byId.get(e.event_id) ?? 0) + 1);
    seqs.push(e.seq);
  });
  svc.on('new_message', (e) => typed.push(e.event_id));
  let resumed = 0;
  svc.on('resumed', () => resumed++);
  svc.connect();
  await waitForState(svc, 'open');
  const start = svc.lastSeq!;
  for (let i = 0; i < 3; i++) await customerWrites();
  await eventually(() => typed.length === 3, 5000, '3 messages');

  // Ask the server to replay everything from the start: every event again, same seq and event_id.
  const replayed: number[] = [];
  svc.on('frame', (f) => {
    if ('seq' in f && typeof f.seq === 'number') replayed.push(f.seq);
  });
  assert.equal(svc.send({ type: 'resume', since: 0 }), 'sent');
  await eventually(() => resumed === 1, 5000, 'resumed');
  assert.ok(replayed.length >= 3, `the server did replay (${replayed.length} frames)`);
  await customerWrites();
  await eventually(() => typed.length === 4, 5000, 'the 4th message');

  assert.ok(
    [...byId.values()].every((n) => n === 1),
    'each event_id once',
  );
  assert.equal(new Set(typed).size, typed.length);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => start + 1 + i),
    'contiguous, in order',
  );
  svc.destroy();
});

test('disconnect() never reconnects — not from open, not while waiting to reconnect', async () => {
  // Every reconnect goes through the clock: nothing pending on it means none can come.
  const clock = new TrackedClock();
  const svc = service({ baseUrl: proxy.url, backoffBaseMs: 20, backoffMaxMs: 40, clock });
  const before = proxy.accepts.length;
  svc.connect();
  await waitForState(svc, 'open');
  svc.disconnect();
  assert.equal(svc.state.get().status, 'closed');
  assert.equal(clock.pending, 0, 'nothing scheduled after disconnect()');
  assert.equal(proxy.accepts.length, before + 1);

  svc.connect();
  await waitForState(svc, 'open');
  proxy.dropAll(); // the network drops: the SDK starts its backoff …
  await waitForState(svc, 'reconnecting');
  assert.ok(clock.pending > 0, 'a reconnect is scheduled');
  const attempts = proxy.accepts.length;
  svc.disconnect(); // … and the user signs off in the middle of it
  assert.equal(clock.pending, 0, 'the scheduled reconnect is cancelled');
  assert.equal(proxy.accepts.length, attempts);
  assert.equal(svc.state.get().status, 'closed');
  svc.destroy();
});

test('send() is not buffered by default; the opt-in queue is bounded and reports every drop', async () => {
  const plain = service();
  const plainDrops: DroppedFrame[] = [];
  plain.on('dropped', (d) => plainDrops.push(d));
  assert.equal(plain.send({ type: 'subscribe', channels: ['leads'] }), 'dropped');
  assert.deepEqual(plainDrops, [
    { frame: { type: 'subscribe', channels: ['leads'] }, reason: 'not_connected' },
  ]);
  plain.destroy();

  const svc = service({ sendQueue: { enabled: true, max: 2 } });
  const drops: DroppedFrame[] = [];
  svc.on('dropped', (d) => drops.push(d));
  const acks: ServerFrame[] = [];
  svc.on('frame', (f) => {
    if (f.type === 'pong') acks.push(f);
  });
  assert.equal(svc.send({ type: 'ping', id: 1 }), 'queued');
  assert.equal(svc.send({ type: 'ping', id: 2 }), 'queued');
  assert.equal(svc.send({ type: 'ping', id: 3 }), 'queued');
  assert.deepEqual(drops, [{ frame: { type: 'ping', id: 1 }, reason: 'queue_full' }], 'the oldest gave way');
  svc.connect();
  await waitForState(svc, 'open');
  await eventually(() => acks.length === 2, 5000, 'two pongs');
  assert.deepEqual(
    acks.map((f) => (f as { id?: number }).id),
    [2, 3],
    'flushed in order once live',
  );
  svc.disconnect();
  assert.equal(svc.send({ type: 'ping', id: 4 }), 'queued');
  svc.destroy();
  assert.deepEqual(
    drops.at(-1),
    { frame: { type: 'ping', id: 4 }, reason: 'closed' },
    'destroy reports what it drops',
  );
});

test('destroy() leaves no listener on the socket, window or document, and no handler', async () => {
  const win = new FakeTarget();
  const doc = new FakeDocument();
  const { Impl, sockets } = recordingWebSocket();
  const svc = service({ WebSocket: Impl, window: win, document: doc });
  svc.on('new_message', () => {});
  svc.on('state', () => {});
  let storeCalls = 0;
  svc.state.subscribe(() => storeCalls++);
  svc.connect();
  await waitForState(svc, 'open');
  assert.equal(sockets.length, 1);
  assert.ok(socketListeners(sockets[0]!) >= 3);
  assert.equal(win.count('online') + win.count('offline'), 2);
  assert.equal(doc.count('visibilitychange'), 1);

  svc.destroy();
  assert.equal(socketListeners(sockets[0]!), 0, 'socket');
  assert.equal(win.count(), 0, 'window');
  assert.equal(doc.count(), 0, 'document');
  assert.equal(svc.listenerCount(), 0, 'handlers');
  const calls = storeCalls;
  win.dispatch('online');
  doc.setVisibility('visible');
  // An attempt would have left 'closed' at once (connecting, or offline).
  assert.equal(svc.state.get().status, 'closed');
  assert.equal(storeCalls, calls, 'no store notifications after destroy');
  assert.throws(() => svc.connect(), /destroyed/);
  // Sockets are counted after the old one's close handshake, a round trip to the server.
  await eventually(() => sockets[0]!.readyState === WebSocket.CLOSED, 5000, 'the socket to close');
  assert.equal(sockets.length, 1, 'and no new socket');
});

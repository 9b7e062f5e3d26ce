/**
 * The SDK's parts and decisions, each on its own, with a scripted socket and a
 * manual clock (no server, no real time). The behaviour against the real
 * server is in the other *.test.ts files.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TenantEvent } from '@newton/protocol';
import { established, fakeWebSocket, leadEvent } from '../testing/fake-socket.js';
import { ManualClock } from '../testing/manual-clock.js';
import { FakeDocument, FakeTarget } from '../testing/stubs.js';
import { backoffCap, backoffDelay } from './backoff.js';
import { CLIENT_CLOSE } from './connection.js';
import { redactToken } from './debug.js';
import { EventStream } from './event-stream.js';
import { Liveness } from './liveness.js';
import { WebSocketService } from './service.js';
import { type ConnectionStatus, StateMachine, TRANSITIONS } from './state.js';

/** Lets pending promise callbacks (getToken) run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(extra: Partial<ConstructorParameters<typeof WebSocketService>[0]> = {}) {
  const clock = new ManualClock();
  const { Impl, sockets } = fakeWebSocket();
  const tokenCalls: boolean[] = [];
  const svc = new WebSocketService({
    baseUrl: 'https://newton.example.com/',
    tenantId: 't',
    getToken: ({ refresh }) => {
      tokenCalls.push(refresh);
      return `tok${tokenCalls.length}`;
    },
    WebSocket: Impl,
    clock,
    window: null,
    document: null,
    random: () => 0.5,
    ...extra,
  });
  const delivered: number[] = [];
  svc.on('event', (e) => delivered.push(e.seq));
  return { clock, sockets, svc, tokenCalls, delivered };
}

const ev = (seq: number, id = `e${seq}`) => leadEvent(seq, id) as TenantEvent;

describe('backoff', () => {
  test('the cap doubles from the base up to the max; the delay is uniform below it (full jitter)', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCap(n, 500, 30_000)),
      [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000],
    );
    assert.equal(backoffCap(1000, 500, 30_000), 30_000);
    assert.equal(
      backoffDelay(3, 500, 30_000, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(3, 500, 30_000, () => 0.999999),
      1999,
    );
    const samples = Array.from({ length: 2000 }, () => backoffDelay(2, 500, 30_000, Math.random));
    assert.ok(samples.every((d) => d >= 0 && d < 1000));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    assert.ok(mean > 430 && mean < 570, `mean ${mean} of a uniform [0,1000)`);
  });
});

describe('state machine', () => {
  test('allows exactly the documented transitions and throws on any other', () => {
    const all = Object.keys(TRANSITIONS) as ConnectionStatus[];
    const m = new StateMachine();
    assert.throws(() => m.to({ status: 'open', connectionId: 'c', userId: 'u' }), /idle → open/);
    m.to({ status: 'connecting', attempt: 0 });
    assert.throws(() => m.to({ status: 'connecting', attempt: 1 }), /connecting → connecting/);
    // Every status can reach `closed` except `closed` itself; terminal states only leave by connect/offline/closed.
    for (const s of all) assert.equal(TRANSITIONS[s].includes('closed'), s !== 'closed', s);
    assert.deepEqual(TRANSITIONS.unauthorized, ['connecting', 'offline', 'closed']);
    assert.deepEqual(TRANSITIONS.forbidden, ['connecting', 'offline', 'closed']);
  });

  test('the store follows the Svelte contract and gives React a stable snapshot', () => {
    const m = new StateMachine();
    const seen: string[] = [];
    const snapshot = m.get();
    assert.equal(m.get(), snapshot, 'same object until it changes');
    const off = m.subscribe((s) => seen.push(s.status));
    assert.deepEqual(seen, ['idle'], 'called at once with the current value');
    m.to({ status: 'connecting', attempt: 0 });
    off();
    m.to({ status: 'closed' });
    assert.deepEqual(seen, ['idle', 'connecting']);
    assert.notEqual(m.get(), snapshot);
  });
});

describe('event stream', () => {
  test('drops duplicates by seq and by event_id, detects a jump, and honours resync', () => {
    const s = new EventStream(undefined, 3);
    s.established(10, null);
    assert.equal(s.lastSeq, 10);
    assert.equal(s.accept(ev(10)), 'duplicate', 'at or below lastSeq');
    assert.equal(s.accept(ev(11)), 'deliver');
    assert.equal(s.accept(ev(11)), 'duplicate');
    assert.equal(s.accept(ev(13)), 'gap');
    assert.equal(s.lastSeq, 11, 'a jump is not delivered');
    assert.equal(s.accept(ev(12)), 'deliver');
    // The server's log was replaced (ahead_of_log): seqs restart; old event ids must still not repeat.
    s.resync({ type: 'resync_required', reason: 'ahead_of_log', since: 12, earliest_since: 0, last_seq: 2 });
    assert.equal(s.lastSeq, 2);
    assert.equal(s.accept(ev(3, 'x3')), 'deliver');
    assert.equal(s.accept(ev(4, 'x3')), 'duplicate', 'same event_id');
    // The id window is bounded.
    for (const n of [4, 5, 6, 7]) s.accept(ev(n, `x${n}`));
    assert.equal(s.accept(ev(8, 'x3')), 'deliver', 'x3 fell out of a window of 3');
  });

  test('a socket also on the opt-in diagnostics channel is still on every channel: a jump is a gap', () => {
    const s = new EventStream(5, 100);
    s.established(5, 5);
    s.channels = ['messages', 'leads', 'conversations', 'instances', 'diagnostics'];
    assert.equal(s.onAllChannels(), true);
    assert.equal(s.accept(ev(7)), 'gap');
  });

  test('a socket narrowed to some channels has seq jumps by design: no gap is reported', () => {
    const s = new EventStream(5, 100);
    s.established(5, 5);
    s.channels = ['messages'];
    assert.equal(s.accept(ev(9)), 'deliver');
  });
});

describe('liveness', () => {
  test('pings each interval; a missed deadline is noticed against now(), even when timers were frozen', () => {
    const clock = new ManualClock();
    let pings = 0;
    const dead: number[] = [];
    const l = new Liveness(
      clock,
      30_000,
      10_000,
      () => pings++,
      (late) => dead.push(late),
    );
    clock.advance(30_000);
    assert.equal(pings, 1);
    l.heard();
    clock.advance(30_000);
    assert.equal(pings, 2);
    assert.equal(l.check(), false);
    clock.jump(3_600_000); // the laptop slept; no timer ran
    assert.equal(l.check(), true, 'the first look at the clock after waking sees it');
    assert.deepEqual(dead, [3_600_000 - 10_000]);
    clock.advance(100_000);
    assert.equal(pings, 2, 'stopped');
  });
});

describe('WebSocketService decisions (scripted socket)', () => {
  test('builds the URL, resumes with since=lastSeq, and redacts the token in debug lines', async () => {
    const lines: string[] = [];
    const { svc, sockets, clock } = setup({ debug: (l) => lines.push(l), since: 41 });
    svc.connect();
    await settle();
    assert.equal(sockets[0]?.url, 'wss://newton.example.com/ws/conversations/t?token=tok1&since=41');
    sockets[0]?.open();
    sockets[0]?.receive(established(50));
    assert.equal(svc.state.get().status, 'open');
    sockets[0]?.receive(leadEvent(42));
    assert.equal(svc.lastSeq, 42);
    sockets[0]?.serverClose(1006);
    assert.equal(svc.state.get().status, 'reconnecting');
    clock.advance(30_000);
    await settle();
    assert.match(sockets[1]?.url ?? '', /since=42$/);
    assert.ok(
      lines.includes(
        '[WebSocket] Connecting to wss://newton.example.com/ws/conversations/t?token=[redacted]&since=41',
      ),
    );
    assert.ok(lines.some((l) => l.startsWith('[WebSocket] Connected')));
    assert.ok(lines.some((l) => l.startsWith('[WebSocket] 📨 Raw incoming data: {"type":"lead_created"')));
    assert.ok(!lines.some((l) => l.includes('tok1') || l.includes('tok2')), 'no token in any line');
    assert.equal(
      redactToken('wss://h/x?a=1&token=abc.def&since=2'),
      'wss://h/x?a=1&token=[redacted]&since=2',
    );
    svc.destroy();
  });

  test('a seq jump holds the event back, sends resume, and the replay fills the gap in order', async () => {
    const { svc, sockets, delivered } = setup();
    svc.connect();
    await settle();
    const s = sockets[0]!;
    s.open();
    s.receive(established(0));
    s.receive(leadEvent(1));
    s.receive(leadEvent(2));
    s.receive(leadEvent(4)); // 3 went missing
    s.receive(leadEvent(5));
    assert.deepEqual(delivered, [1, 2]);
    assert.deepEqual(
      s.sentFrames().filter((f) => f.type === 'resume'),
      [{ type: 'resume', since: 2 }],
      'exactly one resume',
    );
    for (const n of [3, 4, 5]) s.receive(leadEvent(n));
    s.receive({ type: 'resumed', from: 3, to: 5, count: 3 });
    s.receive(leadEvent(6));
    assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6]);
    svc.destroy();
  });

  test('4401: one fresh token and one retry, then unauthorized and no more sockets', async () => {
    const { svc, sockets, clock, tokenCalls } = setup();
    svc.connect();
    await settle();
    sockets[0]?.open();
    sockets[0]?.serverClose(4401, 'token_expired');
    const s = svc.state.get();
    assert.equal(s.status, 'reconnecting');
    assert.equal(s.status === 'reconnecting' && s.nextAt, clock.now(), 'no backoff before the retry');
    clock.advance(0);
    await settle();
    assert.deepEqual(tokenCalls, [false, true], 'the retry asks for a fresh token');
    sockets[1]?.open();
    sockets[1]?.serverClose(4401, 'unauthorized');
    assert.deepEqual(svc.state.get(), { status: 'unauthorized', reason: 'unauthorized' });
    clock.advance(3_600_000);
    await settle();
    assert.equal(sockets.length, 2);
    assert.equal(tokenCalls.length, 2);
    svc.destroy();
  });

  test('1012 reconnects within the restart jitter, not the backoff; attempts reset only once stable', async () => {
    const { svc, sockets, clock } = setup({ random: () => 0.999, stableAfterMs: 5000 });
    svc.connect();
    await settle();
    const nextDelay = () => {
      const s = svc.state.get();
      assert.equal(s.status, 'reconnecting');
      return s.status === 'reconnecting' ? [s.attempt, s.nextAt - clock.now()] : [];
    };
    // Three failures in a row: the cap doubles.
    sockets[0]?.serverClose(1006);
    assert.deepEqual(nextDelay(), [1, 499]);
    clock.advance(499);
    await settle();
    sockets[1]?.serverClose(1006);
    assert.deepEqual(nextDelay(), [2, 999]);
    clock.advance(999);
    await settle();
    // Open, but closed again before it was stable: the count goes on.
    sockets[2]?.open();
    sockets[2]?.receive(established());
    clock.advance(4000);
    sockets[2]?.serverClose(1006);
    assert.deepEqual(nextDelay(), [3, 1998]);
    clock.advance(1998);
    await settle();
    // Stable, then a server restart: prompt, with jitter below restartJitterMs.
    sockets[3]?.open();
    sockets[3]?.receive(established());
    clock.advance(5000);
    sockets[3]?.serverClose(1012, 'service_restart');
    assert.deepEqual(nextDelay(), [1, 1998]);
    svc.destroy();
  });

  test('4403 and 4404 stop in forbidden', async () => {
    for (const [code, reason] of [
      [4403, 'forbidden'],
      [4404, 'unknown_tenant'],
    ] as const) {
      const { svc, sockets, clock } = setup();
      svc.connect();
      await settle();
      sockets[0]?.open();
      sockets[0]?.serverClose(code, reason);
      assert.deepEqual(svc.state.get(), { status: 'forbidden', reason });
      clock.advance(600_000);
      await settle();
      assert.equal(sockets.length, 1);
      svc.destroy();
    }
  });

  test('one attempt at a time; a hung handshake is given up after connectTimeoutMs', async () => {
    const { svc, sockets, clock } = setup({ connectTimeoutMs: 8000 });
    for (let i = 0; i < 5; i++) svc.connect();
    await settle();
    for (let i = 0; i < 5; i++) svc.connect();
    await settle();
    assert.equal(sockets.length, 1);
    clock.advance(7999);
    assert.equal(svc.state.get().status, 'connecting');
    clock.advance(1);
    assert.equal(svc.state.get().status, 'reconnecting');
    assert.equal(sockets[0]?.closedWith?.code, CLIENT_CLOSE);
    await settle();
    assert.equal(sockets[0]?.listenerCount, 0, 'listeners of the abandoned socket removed once it closed');
    svc.destroy();
  });

  test('offline stops trying; online reconnects at once; a visible page after a long gap pings at once', async () => {
    const win = new FakeTarget();
    const doc = new FakeDocument();
    let online = true;
    const { svc, sockets, clock } = setup({ window: win, document: doc, isOnline: () => online });
    svc.connect();
    await settle();
    sockets[0]?.open();
    sockets[0]?.receive(established(0, 30_000));
    online = false;
    win.dispatch('offline');
    assert.equal(svc.state.get().status, 'offline');
    clock.advance(600_000);
    await settle();
    assert.equal(sockets.length, 1, 'no attempt while offline');
    online = true;
    win.dispatch('online');
    assert.equal(svc.state.get().status, 'connecting', 'at once, no backoff');
    await settle();
    const s = sockets[1]!;
    s.open();
    s.receive(established(0, 30_000));
    doc.setVisibility('hidden');
    clock.jump(120_000); // a background tab: throttled timers did not run
    doc.setVisibility('visible');
    assert.deepEqual(s.sentFrames().at(-1), { type: 'ping' }, 'checked at once');
    clock.advance(10_000);
    assert.equal(svc.state.get().status, 'reconnecting', 'no answer within the pong deadline');
    svc.destroy();
    assert.equal(win.count() + doc.count(), 0);
  });

  test('the service is a Svelte store ($service.state); getToken with no token stops in unauthorized', async () => {
    const { svc, sockets } = setup({ getToken: () => '' });
    const seen: string[] = [];
    const off = svc.subscribe(({ state }) => seen.push(state.status));
    svc.connect();
    await settle();
    off();
    assert.deepEqual(seen, ['idle', 'connecting', 'unauthorized']);
    assert.deepEqual(svc.state.get(), { status: 'unauthorized', reason: 'get_token_failed' });
    assert.equal(sockets.length, 0);
    svc.destroy();
  });

  test('getToken that never settles does not wedge the service', async () => {
    let calls = 0;
    // setup()'s fixed draw: Math.random could give a 0 ms delay, and the retry would run inside advance(5000)
    const { svc, sockets, clock } = setup({
      getToken: () => (++calls === 1 ? new Promise<string>(() => {}) : 'tok'),
      connectTimeoutMs: 5000,
    });
    svc.connect();
    clock.advance(5000);
    assert.equal(svc.state.get().status, 'reconnecting');
    clock.advance(1000);
    await settle();
    assert.equal(sockets.length, 1);
    assert.equal(calls, 2);
    svc.destroy();
  });
});

/**
 * The socket protocol (docs/protocol.md): client frames and
 * their answers, errors that keep the socket open, size limit, heartbeats.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestNewton, TestSocket } from '../../testing/harness.js';

let newton: TestNewton;
let fast: TestNewton;

before(async () => {
  newton = await TestNewton.start({ maxFrameBytes: 4096 });
  await newton.addTenant('acme');
  await newton.addInstance({ tenantId: 'acme', name: 'acme-wa' });
  fast = await TestNewton.start({ heartbeatIntervalMs: 100 });
  await fast.addTenant('acme');
});
after(async () => {
  await newton.close();
  await fast.close();
});

const message = (text: string) => newton.evolution(upsertBody({ instance: 'acme-wa', sender: null, text }));

describe('client frames', () => {
  test('ping → pong, echoing the id', async () => {
    const s = await newton.connect('acme');
    s.send({ type: 'ping', id: 'abc' });
    const pong = await s.waitFor('pong');
    assert.equal(pong.id, 'abc');
    assert.ok(!Number.isNaN(Date.parse(String(pong.server_time))));
    s.send({ type: 'ping', id: 7 });
    assert.equal((await s.next((f) => f.type === 'pong' && f.id === 7)).id, 7);
  });

  test('subscribe is acknowledged and never narrows; unsubscribe removes channels', async () => {
    const s = await newton.connect('acme');
    s.send({ type: 'subscribe', channels: ['messages'] });
    assert.deepEqual((await s.waitFor('subscribed')).channels, [
      'messages',
      'leads',
      'conversations',
      'instances',
    ]);
    s.send({ type: 'unsubscribe', channels: ['messages'] });
    assert.deepEqual((await s.waitFor('unsubscribed')).channels, ['leads', 'conversations', 'instances']);

    const other = await newton.connect('acme');
    await message('first message of a new lead');
    // The unsubscribed socket still gets the lead event, not the message.
    await other.waitFor('new_message');
    const lead = await s.waitFor('lead_created');
    s.send({ type: 'ping', id: 'sync' });
    await s.next((f) => f.type === 'pong' && f.id === 'sync');
    assert.equal(s.frames.filter((f) => f.type === 'new_message').length, 0);

    s.send({ type: 'subscribe', channels: ['messages'] });
    await s.next((f) => f.type === 'subscribed' && (f.channels as string[]).includes('messages'));
    await message('second');
    const again = await s.waitFor('new_message');
    assert.ok((again.seq as number) > (lead.seq as number));
  });

  test('subscribe without channels means all; a single "channel" string is accepted', async () => {
    const s = await newton.connect('acme');
    s.send({ type: 'unsubscribe', channel: 'leads' });
    assert.deepEqual((await s.waitFor('unsubscribed')).channels, ['messages', 'conversations', 'instances']);
    s.send({ type: 'subscribe' });
    assert.deepEqual((await s.waitFor('subscribed')).channels, [
      'messages',
      'leads',
      'conversations',
      'instances',
    ]);
  });

  const bad: [string, unknown, string][] = [
    ['bad JSON', '{"type": "ping"', 'invalid_json'],
    ['not an object', '[1,2]', 'invalid_frame'],
    ['no type', { channels: ['messages'] }, 'invalid_frame'],
    ['unknown type', { type: 'subscribe_all' }, 'unknown_type'],
    ['unknown channel', { type: 'subscribe', channels: ['message'] }, 'unknown_channel'],
    ['channels not an array', { type: 'subscribe', channels: 'messages' }, 'invalid_payload'],
    ['resume without since', { type: 'resume' }, 'invalid_payload'],
    ['resume with negative since', { type: 'resume', since: -1 }, 'invalid_payload'],
    ['ping with an object id', { type: 'ping', id: { a: 1 } }, 'invalid_payload'],
  ];
  for (const [name, frame, code] of bad) {
    test(`${name} → error frame "${code}", socket stays open`, async () => {
      const s = await newton.connect('acme');
      s.send(frame);
      const err = await s.waitFor('error');
      assert.equal(err.code, code);
      assert.equal(typeof err.message, 'string');
      s.send({ type: 'ping', id: 'still-open' });
      await s.next((f) => f.type === 'pong' && f.id === 'still-open');
    });
  }

  test('the unknown-channel error names the valid channels', async () => {
    const s = await newton.connect('acme');
    s.send({ type: 'subscribe', channels: ['chat'] });
    assert.match(String((await s.waitFor('error')).message), /messages, leads, conversations/);
  });

  test('a binary frame gets an error frame', async () => {
    const s = await newton.connect('acme');
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await s.waitFor('error')).code, 'binary_not_supported');
  });

  test('a frame over the size limit closes the socket with 1009', async () => {
    const s = await newton.connect('acme');
    s.send({ type: 'ping', id: 'x'.repeat(5000) });
    assert.equal((await s.closed).code, 1009);
  });

  test('frames sent before authentication completes are answered', async () => {
    const s = await newton.socket('acme');
    await s.opened;
    s.send({ type: 'ping', id: 'early' });
    await s.next((f) => f.type === 'pong' && f.id === 'early');
    assert.equal(s.frames[0]?.type, 'connection_established');
  });

  test('a path other than /ws/conversations/{tenant} is refused with 404', async () => {
    const ws = new WebSocket(`${newton.url.replace('http', 'ws')}/ws/other/acme`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    assert.equal(status, 404);
  });
});

describe('liveness', () => {
  test('the server pings, and a peer that answers stays connected', async () => {
    const s = await fast.connect('acme');
    let pings = 0;
    s.ws.on('ping', () => pings++);
    // The server pings only a peer that answered its previous ping: the third
    // ping means two answered ones kept the socket.
    await eventually(() => pings >= 3, 5000, 'three protocol pings');
    assert.ok(pings >= 2, `expected protocol pings, got ${pings}`);
    assert.equal(s.ws.readyState, WebSocket.OPEN);
  });

  test('the heartbeat pings a slice of the sockets at a time, each once per interval', async () => {
    const node = await TestNewton.start({ heartbeatIntervalMs: 1600 });
    try {
      await node.addTenant('acme');
      const sockets = await Promise.all(Array.from({ length: 32 }, () => node.connect('acme')));
      const firstPing = new Map<number, number>();
      for (const [i, s] of sockets.entries()) {
        s.ws.once('ping', () => {
          firstPing.set(i, performance.now());
        });
      }
      await eventually(() => firstPing.size === sockets.length, 10_000, 'every socket pinged');
      // Pings that came within 15 ms of each other came from one tick of the heartbeat.
      const at = [...firstPing.values()].sort((a, b) => a - b);
      const ticks = 1 + at.slice(1).filter((t, i) => t - (at[i] as number) >= 15).length;
      assert.ok(ticks >= 6, `32 sockets pinged over ${ticks} ticks (16 slices), not in one sweep`);
      for (const s of sockets) assert.equal(s.ws.readyState, WebSocket.OPEN);
    } finally {
      await node.close();
    }
  });

  test('a peer that stops answering pings is terminated', async () => {
    const token = await fast.token('acme');
    const ws = new WebSocket(`${fast.url.replace('http', 'ws')}/ws/conversations/acme?token=${token}`, {
      autoPong: false,
    });
    const s = new TestSocket(ws);
    await s.waitFor('connection_established');
    const closed = await s.closed;
    assert.equal(closed.code, 1006, 'terminated without a close frame');
  });

  test('a socket whose token expires is closed with 4401 token_expired', async () => {
    const s = await fast.connect('acme', { token: await fast.token('acme', { ttlSeconds: 1 }) });
    const closed = await s.closed;
    assert.equal(closed.code, 4401);
    assert.equal(closed.reason, 'token_expired');
  });
});

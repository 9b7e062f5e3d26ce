/**
 * Fan-out to a big tenant (issue #3): from 500 sockets on, an event's writes
 * wait for the event loop to read its pending I/O once more, so a burst of
 * webhooks committed in several groups leaves in one write per socket. Every
 * socket must still get every event once, in seq order, and a socket that
 * left a channel must not get its events; replays in the middle of it stay
 * gap-free.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';
import { FlushScheduler } from './flush-scheduler.js';

const SOCKETS = 520;

/**
 * Resolves once every flush `flusher` had queued has run: a sentinel queued
 * now for after I/O runs after both queues of the round before it.
 */
function settled(flusher: FlushScheduler): Promise<void> {
  return new Promise((resolve) => flusher.schedule({ flush: resolve }, true));
}

describe('FlushScheduler', () => {
  test('a normal flush runs before further I/O; an afterIo flush after what that I/O scheduled', async () => {
    const flusher = new FlushScheduler();
    const order: string[] = [];
    flusher.schedule({ flush: () => order.push('now') });
    flusher.schedule({ flush: () => order.push('late') }, true);
    // Scheduled after the late flush, as the write batcher's next commit would be.
    setImmediate(() => order.push('next commit'));
    await eventually(() => order.includes('late'), 5000, 'the afterIo flush');
    await settled(flusher);
    assert.deepEqual(order, ['now', 'next commit', 'late']);
  });

  test('many targets queued in one turn are each flushed once', async () => {
    const flusher = new FlushScheduler();
    const flushes = new Array<number>(1000).fill(0);
    let flushed = 0;
    for (let i = 0; i < 1000; i++) {
      const target = {
        flush: () => {
          flushes[i] = (flushes[i] ?? 0) + 1;
          flushed++;
        },
      };
      flusher.schedule(target, i % 2 === 0);
    }
    await eventually(() => flushed >= 1000, 5000, '1000 flushes');
    await settled(flusher);
    assert.equal(flushed, 1000);
    assert.deepEqual(
      flushes.filter((n) => n !== 1),
      [],
      'every target flushed exactly once',
    );
  });
});

describe(`fan-out to ${SOCKETS} sockets of one tenant`, () => {
  let newton: TestNewton;
  let sockets: TestSocket[];
  const seqs = (s: TestSocket) => s.events().map((f: Frame) => f.seq as number);
  const post = async (i: number) => {
    const res = await newton.evolution(
      upsertBody({ instance: 'big-wa', sender: null, text: `burst ${i}`, from: '573001112233' }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  before(async () => {
    newton = await TestNewton.start();
    await newton.addTenant('big');
    await newton.addInstance({ tenantId: 'big', name: 'big-wa' });
    await newton.addTenant('other');
    sockets = [];
    for (let i = 0; i < SOCKETS; i += 40) {
      sockets.push(...(await Promise.all(Array.from({ length: 40 }, () => newton.connect('big')))));
    }
  });
  after(() => newton.close());

  test('bursts of concurrent webhooks reach every socket once, in seq order; channels and tenants hold', async () => {
    const narrow = sockets[0] as TestSocket;
    narrow.send({ type: 'unsubscribe', channels: ['messages'] });
    await narrow.waitFor('unsubscribed');
    const outsider = await newton.connect('other');

    await post(0); // lead_created + new_message: seq 1, 2
    for (let b = 0; b < 3; b++) await Promise.all(Array.from({ length: 10 }, (_, i) => post(1 + b * 10 + i)));
    const total = 2 + 30;
    // A socket that resumes from the middle while the others still receive.
    const late = await newton.connect('big', { since: 10 });

    for (const s of sockets.slice(1)) {
      await s.waitForEvents(total);
      assert.deepEqual(
        seqs(s),
        Array.from({ length: total }, (_, i) => i + 1),
      );
    }
    await late.waitFor('resumed');
    assert.deepEqual(
      seqs(late),
      Array.from({ length: total - 10 }, (_, i) => i + 11),
    );
    // Only the lead event for the socket that left `messages`.
    narrow.send({ type: 'ping', id: 'sync' });
    await narrow.next((f) => f.type === 'pong' && f.id === 'sync');
    assert.deepEqual(
      narrow.events().map((f) => f.type),
      ['lead_created'],
    );
    assert.equal(outsider.events().length, 0, 'another tenant gets nothing');
  });
});

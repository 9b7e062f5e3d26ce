/**
 * Back-pressure: a socket that stops reading is closed with 4008
 * `slow_consumer` once its unsent buffer passes the limit, and it does not
 * slow down the tenant's healthy sockets meanwhile.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestNewton, type TestSocket } from '../../testing/harness.js';
import { describeSeqProblem } from '../../testing/reconnecting-client.js';

const MAX_BUFFER = 256 * 1024;
const MAX_POSTS = 2000;
const TEXT = 'x'.repeat(8 * 1024);

/**
 * Whether the server has started closing any of the tenant's sockets. A client
 * that does not read cannot see the close frame (it sits behind the data the
 * client never read), so the test looks at the server side of the socket; this
 * reaches into the gateway and fails loudly if its shape changes.
 */
function serverClosedOne(newton: TestNewton, tenant: string): boolean {
  const streams = (newton.node.gateway as unknown as { streams?: { get?: unknown } }).streams;
  assert.ok(
    typeof streams?.get === 'function',
    'Gateway.streams has no get(tenant) any more: update slow-consumer.test.ts',
  );
  const stream = (streams.get as (t: string) => unknown).call(streams, tenant) as
    | { connections?: Set<{ ws: WebSocket }> }
    | undefined;
  assert.ok(
    stream?.connections instanceof Set,
    'TenantStream.connections changed: update slow-consumer.test.ts',
  );
  return [...stream.connections].some((c) => c.ws.readyState !== WebSocket.OPEN);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

describe('slow consumer', () => {
  let newton: TestNewton;
  const tenant = 'slowpoke';

  before(async () => {
    newton = await TestNewton.start({ maxSocketBufferBytes: MAX_BUFFER });
    await newton.addTenant(tenant);
    await newton.addInstance({ tenantId: tenant, name: `${tenant}-wa` });
  });
  after(() => newton?.close());

  test('a socket that never reads is closed with 4008 while a healthy one keeps its pace', async (t) => {
    const healthy = await newton.connect(tenant);
    const slow: TestSocket = await newton.connect(tenant);
    (slow.ws as unknown as { _socket: Socket })._socket.pause();

    // When each event reached the healthy socket, by provider message id.
    const arrivals = new Map<string, number>();
    healthy.ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; message?: { provider_message_id: string } };
      if (f.type === 'new_message' && f.message)
        arrivals.set(f.message.provider_message_id, performance.now());
    });

    let n = 0;
    /** Posts one ~8 KB message and returns the webhook → healthy socket latency in ms. */
    const postAndMeasure = async (): Promise<number> => {
      const id = `SLOW${String(n++).padStart(6, '0')}`;
      const started = performance.now();
      const res = await newton.evolution(
        upsertBody({ instance: `${tenant}-wa`, sender: null, id, text: TEXT, pushName: 'Ana' }),
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await eventually(() => arrivals.has(id), 10_000, `the healthy socket to get ${id}`);
      return (arrivals.get(id) as number) - started;
    };

    const before: number[] = [];
    for (let i = 0; i < 40; i++) before.push(await postAndMeasure());

    const during: number[] = [];
    while (!serverClosedOne(newton, tenant)) {
      assert.ok(
        n < MAX_POSTS,
        `the server never closed a socket that read nothing for ${n} posts of ${TEXT.length} bytes`,
      );
      during.push(await postAndMeasure());
    }
    const posted = n;
    t.diagnostic(
      `slow socket closed after ${posted} posts; median latency before ${median(before).toFixed(1)} ms, ` +
        `during the flood ${median(during).toFixed(1)} ms (${during.length} samples)`,
    );

    // The client reads again: everything it was sent arrives, then the close frame.
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      slow.closed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('slow socket saw no close frame within 10 s of reading again')),
          10_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    assert.deepEqual(closed, { code: 4008, reason: 'slow_consumer' });
    const slowSeqs = slow.events().map((e) => e.seq as number);
    assert.equal(
      describeSeqProblem(slowSeqs, 1, slowSeqs.length),
      undefined,
      'what the slow socket got is a gapless prefix',
    );
    assert.ok(slowSeqs.length < posted + 1, 'the slow socket did not get everything');

    // The healthy socket got every event, in order, and keeps getting them.
    for (let i = 0; i < 5; i++) await postAndMeasure();
    const total = n + 1; // one new_message per post, plus the lead's lead_created
    await healthy.waitForEvents(total);
    const seqs = healthy.events().map((e) => e.seq as number);
    assert.equal(describeSeqProblem(seqs, 1, total), undefined);
    await eventually(() => newton.node.gateway.socketCount === 1, 5000, 'the slow socket to be gone');

    const bound = 5 * median(before) + 20;
    assert.ok(
      median(during) < bound,
      `median latency during the flood ${median(during).toFixed(1)} ms >= 5 × ${median(before).toFixed(1)} + 20 ms`,
    );
  });

  test('a reading client replaying a backlog bigger than the buffer limit, while live events flow, gets all of it, not 4008', async () => {
    // A slow consumer is one that does not read; a client catching up over
    // several MB of history reads as fast as it can and must not be dropped
    // because the server wrote the replay (or the live events right behind
    // it) faster than any network drains it.
    const backlog = 'backlog';
    await newton.addTenant(backlog);
    await newton.addInstance({ tenantId: backlog, name: `${backlog}-wa` });
    let n = 0;
    const post = async () => {
      const res = await newton.evolution(
        upsertBody({
          instance: `${backlog}-wa`,
          sender: null,
          id: `BACKLOG${n++}`,
          text: TEXT,
          pushName: 'Ana',
        }),
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    // ~5 MB of frames, 20x the limit; the last replay page alone is over the limit.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (n < 600) await post();
      }),
    );
    const reader = await newton.connect(backlog, { since: 0 });
    let replaying = true;
    const live = (async () => {
      // A busy tenant: new messages keep arriving while the client catches up.
      while (replaying) await post();
      for (let i = 0; i < 20; i++) await post();
    })();
    const outcome = await Promise.race([
      reader.waitFor('resumed', 30_000).then(() => 'resumed'),
      reader.closed.then((c) => `closed ${c.code} ${c.reason} after ${reader.events().length} events`),
    ]).finally(() => {
      replaying = false;
    });
    await live;
    assert.equal(outcome, 'resumed', 'the replay completes for a client that reads');
    const total = n + 1; // one new_message per post, plus the lead_created
    const got = await Promise.race([
      reader.waitForEvents(total, 30_000).then(() => 'all'),
      reader.closed.then(
        (c) => `closed ${c.code} ${c.reason} after ${reader.events().length} of ${total} events`,
      ),
    ]);
    assert.equal(got, 'all', 'the live events after the replay arrive too');
    const seqs = reader.events().map((e) => e.seq as number);
    assert.equal(describeSeqProblem(seqs, 1, total), undefined);
    reader.close();
  });
});

/**
 * Bad input for durable media (#13): a media fetch that never answers, a
 * provider that keeps failing, a node that restarts with retries pending.
 * The message is always stored and delivered at once; the media is marked
 * failed with its reason, retried on the node's clock (the record is in the
 * database, so a restarted node's sweep takes over) and becomes ready.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase } from '../../testing/databases.js';
import { textMessage, upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, type TestNewton, type TestSocket } from '../../testing/harness.js';
import {
  EVO_INSTANCE,
  EVO_KEY,
  evolutionImage,
  getMedia,
  type MediaProviders,
  mediaRecord,
  startMediaNode,
  startMediaProviders,
  TENANT,
  TestClock,
} from '../../testing/media-node.js';
import { EVOLUTION_GET_BASE64 } from '../../testing/provider-simulator/evolution.js';

const FETCH_LIMIT_MS = 3000;
const CONFIG = { mediaFetchTimeoutMs: FETCH_LIMIT_MS, mediaMaxAttempts: 3, mediaRetryBaseMs: 60_000 };
const HOUR_MS = 3600 * 1000;

let p: MediaProviders;
let t: TestNewton;
let clock: TestClock;
let token: string;
let socket: TestSocket;

before(async () => {
  p = await startMediaProviders();
  clock = new TestClock();
  t = await startMediaNode(p, clock, CONFIG);
  token = await t.token(TENANT);
  socket = await t.connect(TENANT);
});
after(async () => {
  await t.close();
  await p.close();
});

function framesAbout(s: TestSocket, id: string, type: string) {
  return s.frames.filter((f) => f.type === type && f.message_id === id);
}

describe('media that cannot be fetched yet', () => {
  test('a fetch that never answers: the message is delivered, media_failed (timeout), retried, ready', async () => {
    const bytes = randomBytes(4000);
    p.sim.fail(EVOLUTION_GET_BASE64, { kind: 'timeout' }, 1);
    const { id } = await evolutionImage(t, p, bytes);
    await socket.next((f) => f.type === 'new_message' && (f.message as { id: string }).id === id);
    // Nothing else waits for the hanging fetch: another message goes through meanwhile.
    const text = await t.evolution(
      upsertBody({
        instance: EVO_INSTANCE,
        apikey: EVO_KEY,
        message: textMessage('¿me escuchas?'),
        sender: null,
      }),
    );
    await socket.next(
      (f) => f.type === 'new_message' && (f.message as { id: string }).id === text.body.message_id,
    );
    assert.equal(framesAbout(socket, id, 'media_failed').length, 0, 'the fetch is still hanging');

    const failed = await socket.next(
      (f) => f.type === 'media_failed' && f.message_id === id,
      3 * FETCH_LIMIT_MS,
    );
    assert.equal(failed.reason, 'timeout');
    assert.match(String(failed.detail), /MEDIA_FETCH_TIMEOUT_MS/);
    assert.equal(failed.attempts, 1);
    assert.equal(typeof failed.retry_at, 'string');
    const rec = await mediaRecord(t, id);
    assert.equal(rec?.state, 'failed');
    assert.equal(rec?.lastError, 'timeout');
    await t.node.media.idle();

    assert.equal(await t.node.media.sweep(), 0, 'not due yet');
    clock.advance(HOUR_MS);
    assert.equal(await t.node.media.sweep(), 1);
    await socket.next((f) => f.type === 'media_ready' && f.message_id === id);
    const r = await getMedia(t, id, token);
    assert.equal(r.status, 200);
    assert.ok(r.bytes.equals(bytes));
    assert.equal(framesAbout(socket, id, 'media_failed').length, 1);
    assert.equal(framesAbout(socket, id, 'media_ready').length, 1);
  });

  test('a provider that keeps failing: one media_failed, retries without events, then it gives up', async () => {
    const { id } = await evolutionImage(t, p, null);
    const first = await socket.next((f) => f.type === 'media_failed' && f.message_id === id);
    assert.equal(first.reason, 'provider_unavailable');
    assert.match(String(first.detail), /Message not found/);
    for (let attempt = 2; attempt <= CONFIG.mediaMaxAttempts; attempt++) {
      await t.node.media.idle();
      clock.advance(24 * HOUR_MS);
      assert.equal(await t.node.media.sweep(), 1, `attempt ${attempt}`);
      await eventually(
        async () => (await mediaRecord(t, id))?.attempts === attempt,
        5000,
        `attempt ${attempt}`,
      );
    }
    const last = await socket.next(
      (f) => f.type === 'media_failed' && f.message_id === id && f.retry_at === null,
    );
    assert.equal(last.attempts, CONFIG.mediaMaxAttempts);
    assert.equal(framesAbout(socket, id, 'media_failed').length, 2, 'first failure and giving up only');
    await t.node.media.idle();
    clock.advance(30 * 24 * HOUR_MS);
    assert.equal(await t.node.media.sweep(), 0, 'given up: never retried');
    // Not kept: the route still asks the provider (which has nothing).
    assert.equal((await getMedia(t, id, token)).status, 502);
  });
});

describe('retries survive a restart', () => {
  test("a failed media is fetched by the next node's start sweep", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-media-restart-'));
    const database = await createTestDatabase();
    const restartClock = new TestClock();
    try {
      const first = await startMediaNode(p, restartClock, CONFIG, { dataDir, database });
      const s1 = await first.connect(TENANT);
      const bytes = randomBytes(3000);
      p.sim.fail(
        EVOLUTION_GET_BASE64,
        {
          kind: 'status',
          status: 500,
          body: { status: 500, error: 'Internal Server Error', response: { message: ['boom'] } },
        },
        1,
      );
      const { id } = await evolutionImage(first, p, bytes);
      const failed = await s1.next((f) => f.type === 'media_failed' && f.message_id === id);
      assert.equal(failed.reason, 'provider_unavailable');
      await first.close();

      restartClock.advance(HOUR_MS);
      const second = await startMediaNode(p, restartClock, CONFIG, { dataDir, database, setup: false });
      try {
        await eventually(
          async () => (await second.node.store.mediaState.record(TENANT, id))?.state === 'ready',
        );
        const replay = await second.connect(TENANT, { since: 0 });
        await replay.next((f) => f.type === 'media_ready' && f.message_id === id);
        const r = await getMedia(second, id, await second.token(TENANT));
        assert.ok(r.bytes.equals(bytes));
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

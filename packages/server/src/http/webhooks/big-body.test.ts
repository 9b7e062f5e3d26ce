/**
 * Issue #13, "no message lost to size": a 16 MiB photo embedded as base64 in
 * an Evolution webhook (testing/evolution-media-fixtures.ts names the source)
 * is stored, its bytes handed to the media keeper, and neither the message
 * nor its event holds the base64; meanwhile 200 small webhooks a second keep
 * flowing. Their webhook → socket latency is measured alone and with the
 * big body in flight, and printed, not asserted as a time: what is asserted
 * is that every one arrived, once, in order. The node runs as its own
 * process (`newton start`), as deployed: in the test's process node:test's
 * async hooks (a destroy hook on every promise) and the test's own work
 * would share its event loop and be counted as the node's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { WebSocket } from 'ws';
import { createTestDatabase, type TestDatabase } from '../../../testing/databases.js';
import { DEFAULT_INSTANCE, DEFAULT_OWN_NUMBER } from '../../../testing/evolution-fixtures.js';
import { jpegBytes, sha256, writeBase64ImageBodyFile } from '../../../testing/evolution-media-fixtures.js';
import { eventually, TestSocket } from '../../../testing/harness.js';
import { NewtonProcess } from '../../../testing/reconnecting-client.js';
import {
  type ArmedPost,
  armPost,
  describeLatencies,
  type LoadRun,
  nowAbs,
  SmallWebhookLoad,
} from '../../../testing/webhook-load.js';
import { TokenService } from '../../auth/index.js';
import { Store } from '../../store/index.js';
import type { MediaRecord } from '../../store/media-state.js';

const TENANT = 'acme';
const JWT_SECRET = 'big-body-test-secret-0123456789abcdef';
const IMAGE_BYTES = 16 * 1024 * 1024;
const RATE = 200;
const PREFIX = '3EB0SMALL';
/** Any longer and the big body was never answered: the test fails rather than loops. */
const GIVE_UP_MS = 120_000;

describe('a 16 MiB base64 photo among 200 small webhooks a second', () => {
  let dataDir: string;
  let database: TestDatabase;
  /** The node's database, opened from the test's process: setup and what is stored. */
  let store: Store;
  let proc: NewtonProcess;
  let t: { url: string; token: (tenant: string) => Promise<string> };
  let socket: TestSocket;
  let load: SmallWebhookLoad;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'newton-big-body-'));
    database = await createTestDatabase();
    store = await Store.open({ dataDir, databaseUrl: database.url, checkpointIntervalMs: 0 });
    await store.admin.createTenant(TENANT, null);
    await store.admin.createInstance({
      provider: 'evolution',
      tenantId: TENANT,
      name: DEFAULT_INSTANCE,
      number: DEFAULT_OWN_NUMBER,
    });
    proc = await NewtonProcess.start(
      {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ID: 'big-body',
        LOG_LEVEL: 'warn',
        LOG_FILE: 'off',
        JWT_SECRET,
        UPSTREAM_CHECK_INTERVAL_MS: '0',
        ...(database.url ? { DATABASE_URL: database.url } : {}),
      },
      'big-body node',
    );
    const tokens = new TokenService({ dataDir, jwtSecret: JWT_SECRET });
    t = { url: proc.url, token: (tenant) => tokens.issue({ tenants: [tenant], ttlSeconds: 3600 }) };
    socket = new TestSocket(
      new WebSocket(
        `${t.url.replace(/^http/, 'ws')}/ws/conversations/${TENANT}?token=${await t.token(TENANT)}`,
      ),
    );
    await socket.waitFor('connection_established');
    load = await SmallWebhookLoad.start(t, TENANT, { rate: RATE, customers: 40, prefix: PREFIX });
  });
  after(async () => {
    socket?.close();
    await load?.close();
    await proc?.kill('SIGTERM');
    await store?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The media record of `messageId` once the keeper settled it (ready, or failed for now). */
  async function settledMedia(messageId: string): Promise<MediaRecord> {
    let record: MediaRecord | undefined;
    await eventually(
      async () => {
        record = await store.mediaState.record(TENANT, messageId);
        return record !== undefined && record.state !== 'pending';
      },
      30_000,
      `the media of ${messageId} kept or failed`,
    );
    return record as MediaRecord;
  }

  async function get(
    pathAndQuery: string,
    token: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${t.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Every small message of `run` reached the load's socket once, each customer's in the order posted. */
  async function assertArrived(run: LoadRun): Promise<void> {
    assert.deepEqual(run.failed, [], 'every small webhook answered 200');
    await eventually(
      async () => {
        await load.arrivals();
        return run.ids.every((id) => load.arrived.has(id));
      },
      30_000,
      'every small message',
    );
    const mine = new Set(run.ids);
    const onSocket = load.order.filter((id) => mine.has(id));
    assert.equal(onSocket.length, run.ids.length, 'each small message exactly once');
    for (let c = 0; c < load.opts.customers; c++) {
      const theirs = onSocket.filter((id) => load.customerOf(id) === c);
      assert.deepEqual(theirs, [...theirs].sort(), `customer ${c}'s messages in the order posted`);
    }
  }

  function report(ctx: { diagnostic: (m: string) => void }, line: string): void {
    ctx.diagnostic(line);
    console.log(`# ${line}`);
  }

  test('is stored with its media, and the small ones keep flowing', async (ctx) => {
    // Warm-up (first writes, compiled queries, JIT), not measured; then alone: what the small
    // webhooks cost on this machine, to compare with.
    await assertArrived(await load.run((ms) => ms >= 500));
    const alone = await load.run((ms) => ms >= 1000);
    await assertArrived(alone);
    report(
      ctx,
      `alone: ${RATE}/s small webhooks, webhook → socket ${describeLatencies(load.latencies(alone))}`,
    );

    const image = jpegBytes(IMAGE_BYTES);
    const bigId = '3EB0BIGPHOTO16MIB00001';
    const imageFile = path.join(dataDir, 'big-photo.jpg');
    writeFileSync(imageFile, image);
    const bigFile = path.join(dataDir, 'big-webhook.json');
    const bigSize = await writeBase64ImageBodyFile(imageFile, bigFile, { id: bigId, from: '573001110000' });
    assert.ok(bigSize > 22_000_000, `a body of ${bigSize} bytes`);
    // Posted by another process, as Evolution does: no client work on this event loop.
    const poster = await armPost(`${t.url}/webhooks/evolution`, bigFile);
    ctx.after(() => poster.close());
    let big: ReturnType<ArmedPost['fire']> | undefined;
    let bigSentAt = 0;
    let bigAnsweredAt = 0;
    // The big one goes in after 0.5 s; small ones go on until 1 s after it was answered.
    const around = await load.run((ms) => {
      if (!big && ms >= 500) {
        bigSentAt = nowAbs();
        big = poster.fire();
        big.then(
          () => {
            bigAnsweredAt = nowAbs();
          },
          () => {},
        );
      }
      const done = bigAnsweredAt > 0 && nowAbs() - bigAnsweredAt >= 1000;
      return done || ms > GIVE_UP_MS;
    });
    assert.ok(bigAnsweredAt > 0, 'the big webhook was answered');
    await assertArrived(around);
    const during = load.latencies(around, bigSentAt, bigAnsweredAt);
    assert.ok(during.length > 0, 'small webhooks were posted while the big one was in flight');
    const mib = (bigSize / 2 ** 20).toFixed(1);
    report(ctx, `around a ${mib} MiB body: webhook → socket ${describeLatencies(load.latencies(around))}`);
    report(
      ctx,
      `while it was in flight (${(bigAnsweredAt - bigSentAt).toFixed(0)} ms): ${describeLatencies(during)}`,
    );

    // The photo: stored, its decoded bytes handed over whole, no base64 in the row or the event.
    const { status: bigStatus, body: bigBody } = await (big as ReturnType<ArmedPost['fire']>);
    assert.deepEqual([bigStatus, bigBody.outcome], [200, 'accepted'], JSON.stringify(bigBody));
    // Kept from the webhook's own bytes: the provider (none here) is never asked.
    const kept = await settledMedia(bigBody.message_id as string);
    assert.deepEqual([kept.state, kept.size, kept.sha256], ['ready', IMAGE_BYTES, sha256(image)]);
    const token = await t.token(TENANT);
    const file = await fetch(`${t.url}/api/messages/${bigBody.message_id}/media`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(file.status, 200);
    assert.equal(sha256(Buffer.from(await file.arrayBuffer())), sha256(image));
    const frame = await socket.next(
      (f) => f.type === 'new_message' && (f.message as MessagePayload).provider_message_id === bigId,
    );
    const frameText = JSON.stringify(frame);
    assert.ok(frameText.length < 4096, `the photo's event is small (${frameText.length} chars)`);
    assert.ok(!frameText.includes(image.subarray(0, 3000).toString('base64')), 'no base64 in the event');
    const res = await get(`/api/conversations/${bigBody.conversation_id}/messages`, token);
    const row = (res.body.items as MessagePayload[]).find((m) => m.id === bigBody.message_id);
    assert.deepEqual(
      [row?.type, row?.content, row?.media?.size],
      ['image', 'foto del producto', IMAGE_BYTES],
    );
    assert.ok(!JSON.stringify(row).includes('base64'), 'no base64 in the stored message');
    const [receipt] = await store.receipts.find({ traceId: String(bigBody.trace_id) });
    assert.deepEqual([receipt?.outcome, receipt?.bodyExcerpt], ['accepted', null]);
    assert.ok((receipt?.bodySize ?? 0) > 22_000_000, 'the receipt keeps the body size');
  });
});

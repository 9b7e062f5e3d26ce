/**
 * Durable media with MEDIA_STORE=s3 against a local S3-compatible server
 * (s3rver, started here on port 0): the media keeper puts the file in the
 * bucket, `GET /api/messages/{id}/media` serves it (and its ranges) a week
 * after the provider forgot it; with the S3 server down the message is still
 * delivered, the media is `media_failed` (`store_unavailable`) with its bytes
 * spooled locally, and once S3 is back the retry stores them without asking
 * the provider again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { TestNewton, TestSocket } from '../../testing/harness.js';
import {
  evolutionImage,
  getMedia,
  type MediaProviders,
  OTHER,
  startMediaNode,
  startMediaProviders,
  TENANT,
  TestClock,
} from '../../testing/media-node.js';
import { EVOLUTION_GET_BASE64 } from '../../testing/provider-simulator/evolution.js';
import { blobKey } from './blob-store.js';
import { sha256Hex } from './fetch-bytes.js';

const BUCKET = 'newton-media';
const PREFIX = 'newton/';
/** s3rver accepts any signature made with its default key. */
const KEY = 'S3RVER';

let s3Dir: string;
let s3: S3rver;
let s3Port: number;
let p: MediaProviders;
let t: TestNewton;
let clock: TestClock;
let token: string;
let socket: TestSocket;

async function startS3(port = 0): Promise<number> {
  s3 = new S3rver({
    port,
    address: '127.0.0.1',
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  return (await s3.run()).port;
}

function bucketClient(): S3Client {
  return new S3Client({
    endpoint: `http://127.0.0.1:${s3Port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY, secretAccessKey: KEY },
  });
}

before(async () => {
  s3Dir = mkdtempSync(path.join(tmpdir(), 'newton-s3rver-'));
  s3Port = await startS3();
  p = await startMediaProviders();
  clock = new TestClock();
  t = await startMediaNode(p, clock, {
    mediaStore: 's3',
    mediaS3Bucket: BUCKET,
    mediaS3Endpoint: `http://127.0.0.1:${s3Port}`,
    mediaS3ForcePathStyle: true,
    mediaS3AccessKeyId: KEY,
    mediaS3SecretAccessKey: KEY,
    mediaS3Prefix: PREFIX,
    mediaFetchTimeoutMs: 3000,
  });
  token = await t.token(TENANT);
  socket = await t.connect(TENANT);
});
after(async () => {
  await t.close();
  await p.close();
  await s3.close().catch(() => {});
  rmSync(s3Dir, { recursive: true, force: true });
});

describe('durable media (s3)', () => {
  test('kept in the bucket and served a week later with Range, after Evolution forgot it', async () => {
    const bytes = randomBytes(40_000);
    const { id } = await evolutionImage(t, p, bytes);
    const ready = await socket.next((f) => f.type === 'media_ready' && f.message_id === id);
    assert.equal((ready.media as { sha256: string }).sha256, await sha256Hex(bytes));
    const client = bucketClient();
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: PREFIX + blobKey(await sha256Hex(bytes)) }),
    );
    client.destroy();
    assert.equal(head.ContentLength, bytes.length);
    assert.equal(head.ContentType, 'image/jpeg');

    clock.advance(7 * 24 * 3600 * 1000);
    const fetches = p.sim.requests(EVOLUTION_GET_BASE64).length;
    const whole = await getMedia(t, id, token);
    assert.equal(whole.status, 200);
    assert.ok(whole.bytes.equals(bytes));
    assert.equal(whole.headers.get('content-type'), 'image/jpeg');
    const part = await getMedia(t, id, token, { range: 'bytes=1000-1999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${bytes.length}`);
    assert.ok(part.bytes.equals(bytes.subarray(1000, 2000)));
    const tail = await getMedia(t, id, token, { range: 'bytes=-10' });
    assert.ok(tail.bytes.equals(bytes.subarray(bytes.length - 10)));
    assert.equal((await getMedia(t, id, token, { range: 'bytes=999999-' })).status, 416);
    assert.equal(p.sim.requests(EVOLUTION_GET_BASE64).length, fetches, 'never asked Evolution again');
    assert.equal((await getMedia(t, id, await t.token(OTHER))).status, 404);
  });

  test('S3 down: the message is delivered, media_failed (store_unavailable), stored once S3 is back', async () => {
    await s3.close();
    const bytes = randomBytes(6000);
    const { id } = await evolutionImage(t, p, bytes);
    await socket.next((f) => f.type === 'new_message' && (f.message as { id: string }).id === id);
    const failed = await socket.next((f) => f.type === 'media_failed' && f.message_id === id, 15_000);
    assert.equal(failed.reason, 'store_unavailable');
    assert.match(String(failed.detail), /media store \(s3\)/);
    assert.equal(typeof failed.retry_at, 'string');
    const spooled = path.join(t.dataDir, 'media-spool', blobKey(await sha256Hex(bytes)));
    assert.ok(existsSync(spooled), 'the fetched bytes wait in the local spool');
    await t.node.media.idle();

    await startS3(s3Port);
    clock.advance(3600 * 1000);
    const fetches = p.sim.requests(EVOLUTION_GET_BASE64).length;
    assert.equal(await t.node.media.sweep(), 1);
    await socket.next((f) => f.type === 'media_ready' && f.message_id === id);
    assert.equal(p.sim.requests(EVOLUTION_GET_BASE64).length, fetches, 'stored from the spool');
    assert.equal(existsSync(spooled), false, 'the spool is emptied');
    const r = await getMedia(t, id, token);
    assert.equal(r.status, 200);
    assert.ok(r.bytes.equals(bytes));
    assert.equal(socket.frames.filter((f) => f.type === 'media_ready' && f.message_id === id).length, 1);
  });
});

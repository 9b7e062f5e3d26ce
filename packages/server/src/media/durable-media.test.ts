/**
 * Media survives the provider forgetting it (#13, MEDIA_STORE=fs): Evolution
 * and the Cloud API each serve a file once; the media keeper stores it right
 * after the message, every socket gets `media_ready` once, and a week later
 * (on the node's clock) `GET /api/messages/{id}/media` still answers it from
 * `DATA_DIR/media`, with Range (206/416), type and file name. Another tenant
 * gets 404 and no event.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestNewton, TestSocket } from '../../testing/harness.js';
import {
  cloudDocument,
  evolutionImage,
  getMedia,
  type MediaProviders,
  mediaRecord,
  OTHER,
  startMediaNode,
  startMediaProviders,
  TENANT,
  TestClock,
} from '../../testing/media-node.js';
import { EVOLUTION_GET_BASE64 } from '../../testing/provider-simulator/evolution.js';
import { sha256Hex } from './fetch-bytes.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

let p: MediaProviders;
let t: TestNewton;
let clock: TestClock;
let token: string;
let sockets: TestSocket[];
let otherSocket: TestSocket;

before(async () => {
  p = await startMediaProviders();
  clock = new TestClock();
  t = await startMediaNode(p, clock);
  token = await t.token(TENANT);
  sockets = [await t.connect(TENANT), await t.connect(TENANT)];
  otherSocket = await t.connect(OTHER);
});
after(async () => {
  await t.close();
  await p.close();
});

/** Each socket's `media_*` frames about `id`. */
function mediaFrames(s: TestSocket, id: string) {
  return s.frames.filter((f) => String(f.type).startsWith('media_') && f.message_id === id);
}

describe('durable media (fs)', () => {
  test('an Evolution image is kept once and served a week later, when Evolution has forgotten it', async () => {
    const bytes = randomBytes(50_000);
    const { id } = await evolutionImage(t, p, bytes);
    for (const s of sockets) {
      const ready = await s.next((f) => f.type === 'media_ready' && f.message_id === id);
      assert.deepEqual(ready.media, {
        mime_type: 'image/jpeg',
        size: bytes.length,
        sha256: await sha256Hex(bytes),
        file_name: null,
      });
      assert.equal(typeof ready.seq, 'number');
      assert.equal(typeof ready.conversation_id, 'string');
    }
    const rec = await mediaRecord(t, id);
    assert.equal(rec?.state, 'ready');
    assert.equal(rec?.attempts, 1);
    // Content-addressed, atomically written: the file under its SHA-256, no temporary left.
    const file = path.join(
      t.dataDir,
      'media',
      'sha256',
      (await sha256Hex(bytes)).slice(0, 2),
      await sha256Hex(bytes),
    );
    assert.ok(existsSync(file), file);
    assert.deepEqual(
      readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp')),
      [],
    );

    clock.advance(WEEK_MS);
    assert.equal(await t.node.media.sweep(), 0, 'nothing left to retry');
    const fetches = p.sim.requests(EVOLUTION_GET_BASE64).length;
    const r = await getMedia(t, id, token);
    assert.equal(r.status, 200);
    assert.ok(r.bytes.equals(bytes));
    assert.equal(r.headers.get('content-type'), 'image/jpeg');
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.equal(r.headers.get('content-length'), String(bytes.length));
    assert.equal(r.headers.get('etag'), `"${await sha256Hex(bytes)}"`);
    assert.equal(
      p.sim.requests(EVOLUTION_GET_BASE64).length,
      fetches,
      'served from the store, not Evolution',
    );
    for (const s of sockets) assert.equal(mediaFrames(s, id).length, 1, 'media_ready once per socket');
  });

  test('Range: 206 with the right bytes, a suffix, an open end; 416 past the end', async () => {
    const bytes = randomBytes(10_000);
    const { id } = await evolutionImage(t, p, bytes);
    await sockets[0]?.next((f) => f.type === 'media_ready' && f.message_id === id);
    const mid = await getMedia(t, id, token, { range: 'bytes=100-1099' });
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), `bytes 100-1099/${bytes.length}`);
    assert.equal(mid.headers.get('content-length'), '1000');
    assert.ok(mid.bytes.equals(bytes.subarray(100, 1100)));
    const tail = await getMedia(t, id, token, { range: 'bytes=-300' });
    assert.equal(tail.status, 206);
    assert.ok(tail.bytes.equals(bytes.subarray(bytes.length - 300)));
    const open = await getMedia(t, id, token, { range: 'bytes=9990-' });
    assert.equal(open.status, 206);
    assert.ok(open.bytes.equals(bytes.subarray(9990)));
    const past = await getMedia(t, id, token, { range: `bytes=${bytes.length}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${bytes.length}`);
    assert.equal(JSON.parse(past.bytes.toString()).error, 'range_not_satisfiable');
    const backwards = await getMedia(t, id, token, { range: 'bytes=500-100' });
    assert.equal(backwards.status, 416);
    // Another unit or several ranges: the whole file, as RFC 9110 allows.
    const other = await getMedia(t, id, token, { range: 'items=1-2' });
    assert.equal(other.status, 200);
    assert.ok(other.bytes.equals(bytes));
  });

  test('a Cloud document (media id → URL with the token, once) keeps its type and file name', async () => {
    const bytes = randomBytes(30_000);
    const id = await cloudDocument(t, p, 'MEDIA-DOC-1', bytes, 'cotización 2026.pdf');
    await sockets[1]?.next((f) => f.type === 'media_ready' && f.message_id === id);
    assert.equal(p.cloud.media.has('MEDIA-DOC-1'), false, 'Meta no longer has it');
    clock.advance(WEEK_MS);
    const r = await getMedia(t, id, token);
    assert.equal(r.status, 200);
    assert.ok(r.bytes.equals(bytes));
    assert.equal(r.headers.get('content-type'), 'application/pdf');
    assert.equal(
      r.headers.get('content-disposition'),
      `inline; filename="cotizaci_n 2026.pdf"; filename*=UTF-8''${encodeURIComponent('cotización 2026.pdf')}`,
    );
  });

  test('bytes handed over with the message (inline) are stored without asking the provider', async () => {
    const { id } = await evolutionImage(t, p, null);
    // Evolution has no such media: the keeper's own fetch fails first.
    await sockets[0]?.next((f) => f.type === 'media_failed' && f.message_id === id);
    await t.node.media.idle();
    const bytes = randomBytes(2000);
    // As the webhook reader does with Evolution's "webhook base64": the keeper gets the bytes with the message.
    await t.node.store.db.deleteFrom('message_media').where('message_id', '=', id).execute();
    t.node.media.keep(TENANT, id, 'test-inline', { bytes: new Uint8Array(bytes) });
    await sockets[0]?.next((f) => f.type === 'media_ready' && f.message_id === id);
    const r = await getMedia(t, id, token);
    assert.ok(r.bytes.equals(bytes));
  });

  test('a message the keeper never tracked (stored before it existed) is handed to it on its first request', async () => {
    const { id, keyId } = await evolutionImage(t, p, null);
    await sockets[0]?.next((f) => f.type === 'media_failed' && f.message_id === id);
    await t.node.media.idle();
    await t.node.store.db.deleteFrom('message_media').where('message_id', '=', id).execute();
    const bytes = randomBytes(1500);
    p.evo.media.set(keyId, { mimetype: 'image/jpeg', base64: bytes.toString('base64') });
    const streamed = await getMedia(t, id, token);
    assert.equal(streamed.status, 200);
    assert.ok(streamed.bytes.equals(bytes));
    assert.equal(streamed.headers.get('etag'), null, 'streamed from Evolution');
    await sockets[0]?.next((f) => f.type === 'media_ready' && f.message_id === id);
    const kept = await getMedia(t, id, token);
    assert.equal(kept.headers.get('etag'), `"${await sha256Hex(bytes)}"`, 'now from the store');
    assert.ok(kept.bytes.equals(bytes));
  });

  test("another tenant's token gets 404 and its sockets no media event", async () => {
    const bytes = randomBytes(500);
    const { id } = await evolutionImage(t, p, bytes);
    await sockets[0]?.next((f) => f.type === 'media_ready' && f.message_id === id);
    const other = await getMedia(t, id, await t.token(OTHER));
    assert.equal(other.status, 404);
    assert.equal(JSON.parse(other.bytes.toString()).error, 'not_found');
    const ranged = await getMedia(t, id, await t.token(OTHER), { range: 'bytes=0-10' });
    assert.equal(ranged.status, 404);
    assert.deepEqual(
      otherSocket.frames.filter((f) => String(f.type).startsWith('media_')),
      [],
    );
    assert.equal(await t.node.store.mediaState.record(OTHER, id), undefined);
  });
});

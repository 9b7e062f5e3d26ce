/**
 * takeInlineMedia: Evolution's `message.base64` (whatsapp.baileys.service.ts,
 * see testing/evolution-media-fixtures.ts) cut out of the body and decoded;
 * bad base64 leaves a reason instead (issue #13).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { audioMessage, upsertBody } from '../../../testing/evolution-fixtures.js';
import { base64ImageBody, jpegBytes } from '../../../testing/evolution-media-fixtures.js';
import { decodeInlineBase64, takeInlineMedia } from './inline-media.js';

describe('takeInlineMedia', () => {
  test('a photo: the bytes come out, the body keeps everything else', () => {
    const image = jpegBytes(3000);
    const body = base64ImageBody(image);
    const [m, ...rest] = takeInlineMedia(body);
    assert.deepEqual(rest, []);
    assert.deepEqual([m?.item, m?.error, m?.chars], [0, undefined, 4000]);
    assert.deepEqual(Buffer.from(m?.bytes as Uint8Array), image);
    assert.equal('base64' in body.data.message, false);
    assert.ok(body.data.message.imageMessage, 'the media part stays');
  });

  test('a batch: each item by its index; items without base64 are skipped', () => {
    const a = base64ImageBody(jpegBytes(10));
    const audio = audioMessage();
    (audio.audioMessage as Record<string, unknown>).fileLength = { low: 3, high: 0, unsigned: true };
    const b = upsertBody({ message: { ...audio, base64: Buffer.from('ogg').toString('base64') } });
    const body = { ...a, data: [upsertBody().data, a.data, b.data] };
    const found = takeInlineMedia(body);
    assert.deepEqual(
      found.map((m) => [m.item, Buffer.from(m.bytes as Uint8Array).length]),
      [
        [1, 10],
        [2, 3],
      ],
    );
  });

  test('base64 Evolution could not fill (null) is removed and is no media', () => {
    const body = upsertBody({ message: { ...audioMessage(), base64: null } });
    assert.deepEqual(takeInlineMedia(body), []);
    assert.equal('base64' in body.data.message, false);
  });

  test('not an Evolution body: nothing taken, nothing changed', () => {
    for (const body of [null, 'text', [1, 2], { data: 'x' }, { data: { message: 'x' } }]) {
      assert.deepEqual(takeInlineMedia(body), []);
    }
  });
});

describe('decodeInlineBase64', () => {
  const b64 = Buffer.from('hello world!').toString('base64');
  test('valid, with or without a data: URL prefix', () => {
    for (const text of [b64, `data:image/jpeg;base64,${b64}`]) {
      const out = decodeInlineBase64(text, 12);
      assert.ok('bytes' in out);
      assert.equal(Buffer.from(out.bytes).toString(), 'hello world!');
      // Hashed where decoded (the body thread, for a big body): the keeper does not hash again.
      assert.equal(out.sha256, createHash('sha256').update('hello world!').digest('hex'));
    }
  });
  test('each way it cannot be used has its reason', () => {
    const reasons = [
      decodeInlineBase64(42, null),
      decodeInlineBase64('', null),
      decodeInlineBase64(b64.slice(0, -1), null),
      decodeInlineBase64(b64.slice(0, 8), 12),
      decodeInlineBase64(`${b64.slice(0, 4)}!!!!${b64.slice(8)}`, null),
    ].map((o) => ('error' in o ? o.error : 'decoded'));
    assert.deepEqual(reasons, [
      'embedded base64 is not a string',
      'embedded base64 is empty',
      'embedded base64 is truncated (15 characters, not a multiple of 4)',
      'embedded base64 is truncated (6 bytes, the message says 12)',
      'embedded base64 has characters outside the base64 alphabet',
    ]);
  });
});

/**
 * parseBody: a long `message.base64` is cut out of the bytes before JSON.parse
 * (a photo's body parses as a few KiB); any other shape is parsed whole, with
 * the same result (issue #13).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { upsertBody } from '../../../testing/evolution-fixtures.js';
import { base64ImageBody, jpegBytes } from '../../../testing/evolution-media-fixtures.js';
import { parseBody } from './body-parse.js';

const bytesOf = (body: unknown) => Buffer.from(JSON.stringify(body));

/** The parsed JSON and each media's index, error and bytes. */
function parsed(raw: Buffer) {
  const out = parseBody(raw);
  assert.ok(out.ok, out.ok ? '' : out.reason);
  return {
    json: out.body.json,
    media: out.body.inline.map((m) => [m.item, m.error ?? null, m.bytes ? Buffer.from(m.bytes) : null]),
  };
}

describe('parseBody', () => {
  test('a photo body: the base64 comes out decoded, the rest parses as sent', () => {
    const image = jpegBytes(200_000);
    const body = base64ImageBody(image);
    const { json, media } = parsed(bytesOf(body));
    assert.deepEqual(media, [[0, null, image]]);
    const { base64: _cut, ...message } = body.data.message;
    assert.deepEqual(json, { ...body, data: { ...body.data, message } });
  });

  test('shapes the cut does not take are parsed whole, with the same answer', () => {
    const image = jpegBytes(200_000);
    const a = base64ImageBody(image);
    const b = base64ImageBody(image);
    const qr = {
      event: 'qrcode.updated',
      instance: 'x',
      data: { qrcode: { base64: `data:image/png;base64,${'A'.repeat(100_000)}` } },
    };
    const escaped = bytesOf(a).toString().replace('"base64":"', '"base64":"\\/');
    const cases: [string, Buffer, number][] = [
      ['two photos in one batch', bytesOf({ ...a, data: [a.data, b.data] }), 2],
      ['a long base64 that is not a message', bytesOf(qr), 0],
      ['an escape inside the value', Buffer.from(escaped), 1],
      ['a text message', bytesOf(upsertBody({ text: 'x'.repeat(100_000) })), 0],
    ];
    for (const [what, raw, count] of cases) {
      const { media } = parsed(raw);
      assert.equal(media.length, count, what);
    }
    assert.equal((parsed(bytesOf(qr)).json as typeof qr).data.qrcode.base64.length, 100_022, 'qrcode kept');
  });

  test('not JSON: a reason that never quotes the body', () => {
    for (const raw of [
      '',
      '   ',
      '{"a":SECRET',
      `{"data":{"message":{"base64":"${'A'.repeat(70_000)}"}},SECRET`,
    ]) {
      const out = parseBody(Buffer.from(raw));
      assert.equal(out.ok, false);
      assert.ok(!out.ok && !out.reason.includes('SECRET'), !out.ok ? out.reason : '');
    }
  });
});

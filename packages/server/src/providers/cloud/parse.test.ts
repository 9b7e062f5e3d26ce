/** Pure readers of the Cloud API adapter: envelope, messages, statuses, signature, handshake. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { cloudBody, cloudMessage, messagesValue, metaJson } from '../../../testing/cloud-fixtures.js';
import { parseEnvelope, parseMessage, parseStatus } from './parse.js';
import { parseSignatureHeader, signBody, signedWith } from './signature.js';
import { verifyHandshake } from './verify.js';

const NOW = 1_790_000_000_000;

describe('signature', () => {
  test('is checked over the bytes sent: escaped and raw UTF-8 bodies each pass with their own signature', () => {
    const body = cloudBody(messagesValue({ name: 'Zoë Ñandú 🇨🇴' }));
    for (const raw of [metaJson(body), JSON.stringify(body)]) {
      const header = signBody(raw, 's3cret');
      assert.equal(header, `sha256=${createHmac('sha256', 's3cret').update(raw).digest('hex')}`);
      const sig = parseSignatureHeader(header);
      assert.ok(sig);
      assert.equal(signedWith(Buffer.from(raw), sig, ['other', 's3cret']), 's3cret');
      assert.equal(signedWith(Buffer.from(raw), sig, ['other']), null);
    }
    const escaped = metaJson(body);
    const sig = parseSignatureHeader(signBody(escaped, 's3cret'));
    assert.ok(sig);
    assert.equal(signedWith(Buffer.from(JSON.stringify(JSON.parse(escaped))), sig, ['s3cret']), null);
  });

  test('malformed headers are refused', () => {
    for (const h of [undefined, '', 'sha1=abc', 'sha256=xyz', `sha256=${'a'.repeat(63)}`]) {
      assert.equal(parseSignatureHeader(h), null, String(h));
    }
    assert.ok(parseSignatureHeader(`SHA256=${'A'.repeat(64)}`));
  });
});

describe('verification handshake', () => {
  const q = (token: string | undefined, mode = 'subscribe', challenge = '123') => ({
    'hub.mode': mode,
    'hub.verify_token': token,
    'hub.challenge': challenge,
  });
  test('matches any known token, refuses others', () => {
    assert.deepEqual(verifyHandshake(q('b'), ['a', 'b']), { ok: true, challenge: '123' });
    assert.equal(verifyHandshake(q('bb'), ['a', 'b']).ok, false);
    assert.equal(verifyHandshake(q(''), ['a']).ok, false);
    assert.deepEqual(verifyHandshake(q('a'), []), {
      ok: false,
      status: 403,
      reason: 'no Cloud API instance has a verify token (newton instance add … --verify-token)',
    });
    assert.equal((verifyHandshake(q('a', 'other'), ['a']) as { status: number }).status, 400);
    assert.equal((verifyHandshake(q('a', 'subscribe', ''), ['a']) as { status: number }).status, 400);
  });
});

describe('parse', () => {
  test('envelope: changes with their phone_number_id; shapes that are not Meta bodies', () => {
    const r = parseEnvelope(
      cloudBody(messagesValue({ phoneNumberId: '111' }), messagesValue({ phoneNumberId: '222' })),
    );
    assert.ok(r.ok);
    assert.deepEqual(
      r.envelope.changes.map((c) => [c.at, c.field, c.phoneNumberId]),
      [
        ['entry[0].changes[0]', 'messages', '111'],
        ['entry[1].changes[0]', 'messages', '222'],
      ],
    );
    assert.deepEqual(parseEnvelope([]), { ok: false, reason: 'body must be a JSON object' });
    assert.deepEqual(parseEnvelope({ object: 'x' }), { ok: false, reason: 'missing "entry"' });
    assert.deepEqual(parseEnvelope({ entry: [{ changes: 3 }] }), {
      ok: false,
      reason: '"entry[0].changes" must be an array',
    });
  });

  test('message: phone from wa_id, name from the matching contact, time from the string timestamp', () => {
    const m = cloudMessage({ from: '5511987654321', id: 'wamid.1', timestamp: 1_750_000_000 });
    const contacts = [
      { profile: { name: 'Otro' }, wa_id: '1' },
      { profile: { name: ' João ' }, wa_id: '5511987654321' },
    ];
    const r = parseMessage(m, contacts, NOW);
    assert.equal(r.kind, 'message');
    if (r.kind !== 'message') return;
    assert.deepEqual(r.message.party, {
      phone: '+5511987654321',
      userId: null,
      replyTo: '5511987654321',
      name: 'João',
    });
    assert.equal(r.message.timestamp, 1_750_000_000_000);
  });

  test('message: usernames without a number use the BSUID; groups and system messages are ignored', () => {
    const bsuid = parseMessage(
      {
        from: '',
        from_user_id: 'US.1234567890',
        id: 'w2',
        timestamp: '1',
        type: 'text',
        text: { body: 'hi' },
      },
      [{ profile: { name: 'Ann', username: '@ann' }, wa_id: '', user_id: 'US.1234567890' }],
      NOW,
    );
    assert.equal(bsuid.kind, 'message');
    if (bsuid.kind === 'message') {
      assert.deepEqual(bsuid.message.party, {
        phone: null,
        userId: 'US.1234567890',
        replyTo: 'US.1234567890',
        name: 'Ann',
      });
    }
    assert.deepEqual(parseMessage(cloudMessage({ id: 'g', extra: { group_id: 'G1' } }), [], NOW), {
      kind: 'ignored',
      reason: 'group chat',
      providerMessageId: 'g',
    });
    assert.equal(parseMessage({ from: 'x', id: 'n', type: 'text' }, [], NOW).kind, 'invalid');
    assert.equal(parseMessage({ from: '573001112233', type: 'text' }, [], NOW).kind, 'invalid');
  });

  test('status: the four statuses, played as read, failed with its first error', () => {
    for (const s of ['sent', 'delivered', 'read', 'failed'] as const) {
      const r = parseStatus({ id: 'w', status: s, timestamp: '1750000000' }, NOW);
      assert.equal(r.kind === 'status' && r.status.status, s);
    }
    const played = parseStatus({ id: 'w', status: 'played' }, NOW);
    assert.equal(played.kind === 'status' && played.status.status, 'read');
    const failed = parseStatus(
      {
        id: 'w',
        status: 'failed',
        errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }],
      },
      NOW,
    );
    assert.deepEqual(failed.kind === 'status' && failed.status.error, {
      code: '131047',
      message: 'Re-engagement message',
    });
    assert.equal(parseStatus({ id: 'w', status: 'deleted' }, NOW).kind, 'ignored');
    assert.equal(parseStatus({ status: 'sent' }, NOW).kind, 'invalid');
  });
});

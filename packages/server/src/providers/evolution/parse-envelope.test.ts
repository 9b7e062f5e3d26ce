/**
 * The Evolution webhook envelope (docs/api.md §1.1): event, instance, sender, apikey and data, and what is
 * rejected.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { upsertBody } from '../../../testing/evolution-fixtures.js';
import { capturedUpsert } from '../../../testing/evolution-parse-fixtures.js';
import { normalizeEventName, parseEnvelope } from './parse.js';

describe('parseEnvelope', () => {
  test('accepts the captured upsert', () => {
    const body = capturedUpsert();
    const result = parseEnvelope(body);
    assert.deepEqual(result, {
      ok: true,
      envelope: {
        event: 'messages.upsert',
        instance: 'nome-da-instancia',
        sender: '558196349077@s.whatsapp.net',
        apikey: 'sua-api-key',
        data: body.data,
      },
    });
  });

  test('sender and apikey may be absent or null', () => {
    const body: Record<string, unknown> = {
      event: 'qrcode.updated',
      instance: 'loja-centro',
      data: { qrcode: { instance: 'loja-centro', code: '2@abc', base64: 'data:image/png;base64,AAA' } },
      apikey: null,
    };
    const result = parseEnvelope(body);
    assert.ok(result.ok);
    assert.equal(result.envelope.sender, null);
    assert.equal(result.envelope.apikey, null);
  });

  test('event comes from the URL when the body has none', () => {
    const { event: _drop, ...body } = capturedUpsert();
    for (const urlEvent of ['messages-upsert', 'MESSAGES_UPSERT', 'messages.upsert']) {
      const result = parseEnvelope(body, urlEvent);
      assert.ok(result.ok, urlEvent);
      assert.equal(result.envelope.event, 'messages.upsert');
    }
  });

  test('the body event wins over the URL and is normalised', () => {
    const result = parseEnvelope({ ...capturedUpsert(), event: 'SEND_MESSAGE' }, 'messages-upsert');
    assert.ok(result.ok);
    assert.equal(result.envelope.event, 'send.message');
  });

  test('normalizeEventName', () => {
    assert.equal(normalizeEventName('CONNECTION_UPDATE'), 'connection.update');
    assert.equal(normalizeEventName('connection-update'), 'connection.update');
    assert.equal(normalizeEventName(' contacts.upsert '), 'contacts.upsert');
    assert.equal(normalizeEventName(''), null);
    assert.equal(normalizeEventName('../etc/passwd'), null);
    assert.equal(normalizeEventName('messages upsert!'), null);
  });

  const rejects: [string, unknown, string, string?][] = [
    ['a non-object body', 'hello', 'body must be a JSON object'],
    ['a null body', null, 'body must be a JSON object'],
    ['an array body', [capturedUpsert()], 'body must be a JSON object'],
    ['a missing instance', { ...capturedUpsert(), instance: undefined }, 'missing "instance"'],
    ['a numeric instance', { ...capturedUpsert(), instance: 42 }, '"instance" must be a string'],
    ['a blank instance', { ...capturedUpsert(), instance: '  ' }, '"instance" is empty'],
    [
      'a too long instance',
      { ...capturedUpsert(), instance: 'x'.repeat(201) },
      '"instance" is longer than 200 characters',
    ],
    ['a numeric event', { ...capturedUpsert(), event: 7 }, '"event" must be a string'],
    ['no event anywhere', { ...capturedUpsert(), event: undefined }, 'missing "event"'],
    [
      'a garbage event',
      { ...capturedUpsert(), event: 'hi there!' },
      '"event" "hi there!" is not an event name',
    ],
    [
      'a garbage URL event',
      { ...capturedUpsert(), event: undefined },
      'URL event "../x" is not an event name',
      '../x',
    ],
    ['a numeric sender', { ...capturedUpsert(), sender: 5511 }, '"sender" must be a string or null'],
    ['an object apikey', { ...capturedUpsert(), apikey: {} }, '"apikey" must be a string or null'],
    ['a missing data', { ...capturedUpsert(), data: undefined }, 'missing "data"'],
  ];
  for (const [what, body, reason, urlEvent] of rejects) {
    test(`rejects ${what}`, () => {
      assert.deepEqual(parseEnvelope(body, urlEvent), { ok: false, reason });
    });
  }

  test('accepts the fixture builder output', () => {
    const body = upsertBody({ instance: 'tenda-norte', sender: '5511900000000', apikey: 'tok' });
    const result = parseEnvelope(body);
    assert.ok(result.ok);
    assert.equal(result.envelope.instance, 'tenda-norte');
    assert.equal(result.envelope.sender, '5511900000000@s.whatsapp.net');
    assert.equal(result.envelope.apikey, 'tok');
    const withoutSender = parseEnvelope(upsertBody({ sender: null }));
    assert.ok(withoutSender.ok);
    assert.equal(withoutSender.envelope.sender, null);
  });
});

/** scanHead: who posted an over-limit body, read from its first bytes only (issue #13). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cloudBody, messagesValue } from '../../../testing/cloud-fixtures.js';
import { base64ImageBody, jpegBytes } from '../../../testing/evolution-media-fixtures.js';
import { HEAD_BYTES, scanHead } from './body-head.js';

const head = (body: unknown) => JSON.stringify(body).slice(0, HEAD_BYTES);

describe('scanHead', () => {
  test('an Evolution photo webhook cut inside its base64: event and instance (Evolution writes them first)', () => {
    const found = scanHead(head(base64ImageBody(jpegBytes(100_000), { instance: 'ventas-1' })), [
      'event',
      'instance',
      'data.key.id',
      'apikey',
    ]);
    assert.equal(found.get('event'), 'messages.upsert');
    assert.equal(found.get('instance'), 'ventas-1');
    assert.match(found.get('data.key.id') ?? '', /^3EB0/);
    assert.equal(found.has('apikey'), false, 'apikey comes after data: beyond the head');
  });

  test('a Cloud body: the phone_number_id, and the field when the head reaches it', () => {
    const body = cloudBody(messagesValue({ phoneNumberId: '106540352242922' }));
    const paths = ['entry.0.changes.0.value.metadata.phone_number_id', 'entry.0.changes.0.field'];
    const found = scanHead(head(body), paths);
    assert.equal(found.get(paths[0] as string), '106540352242922');
    assert.equal(found.get(paths[1] as string), 'messages');
    const cut = JSON.stringify(body);
    const early = scanHead(cut.slice(0, cut.indexOf('"field"')), paths);
    assert.deepEqual([...early.keys()], [paths[0]]);
  });

  test('only the named paths, first value wins, escapes read, nested keys of the same name ignored', () => {
    const text =
      '{"data":{"event":"inner","instance":"x"},"event":"a\\u002eb\\"c","event":"second","n":12,"t":true}';
    const found = scanHead(text, ['event', 'n', 't', 'instance']);
    assert.deepEqual(Object.fromEntries(found), { event: 'a.b"c', n: '12', t: 'true' });
  });

  test('never throws: garbage, a cut number, deep nesting, an empty head', () => {
    assert.deepEqual([...scanHead('not json at all', ['event'])], []);
    assert.deepEqual([...scanHead('{"n": 12', ['n'])], [], 'a number cut by the end is not its value');
    assert.deepEqual([...scanHead(`${'['.repeat(5000)}`, ['0'])], []);
    assert.deepEqual([...scanHead('', ['event'])], []);
    assert.equal(scanHead(`{"instance":"${'x'.repeat(500)}"}`, ['instance']).get('instance')?.length, 200);
  });
});

/**
 * Evolution `messages.upsert` items that are not stored as messages: ignored content, unsupported kinds kept
 * as such, and invalid items.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inbound, parsed, RECEIVED_AT, withKey } from '../../../testing/evolution-parse-fixtures.js';
import { parseUpsertItem } from './parse.js';

describe('parseUpsertItem: ignored and unsupported content', () => {
  const ignored: [string, unknown, string][] = [
    [
      'protocolMessage (not a revoke)',
      { protocolMessage: { key: { id: 'X' }, type: 'EPHEMERAL_SETTING' } },
      'protocol message',
    ],
    [
      'editedMessage',
      { editedMessage: { message: { protocolMessage: { type: 'MESSAGE_EDIT' } } } },
      'edited message',
    ],
    ['pollUpdateMessage', { pollUpdateMessage: { pollCreationMessageKey: { id: 'P' } } }, 'poll update'],
    [
      'senderKeyDistributionMessage only',
      { senderKeyDistributionMessage: { groupId: 'g' }, messageContextInfo: {} },
      'sender key distribution only',
    ],
    ['an empty message', {}, 'empty message'],
    ['metadata only', { messageContextInfo: { deviceListMetadataVersion: 2 } }, 'empty message'],
    ['a missing message', undefined, 'no message content'],
    ['a null message', null, 'no message content'],
    [
      'an ephemeral protocol message',
      { ephemeralMessage: { message: { protocolMessage: {} } } },
      'protocol message',
    ],
  ];
  for (const [what, msg, reason] of ignored) {
    test(`${what} is ignored`, () => {
      assert.deepEqual(parseUpsertItem(inbound(msg), RECEIVED_AT), {
        kind: 'ignored',
        reason,
        providerMessageId: '3EB0A1B2C3D4E5F60718',
      });
    });
  }

  test('a REVOKE protocolMessage is a deletion of the message its key names, never a message', () => {
    for (const type of ['REVOKE', 0]) {
      assert.deepEqual(
        parseUpsertItem(inbound({ protocolMessage: { key: { id: 'X' }, type } }), RECEIVED_AT),
        {
          kind: 'revoke',
          providerMessageId: 'X',
        },
      );
    }
  });

  test('unknown kinds are kept as unsupported', () => {
    for (const msg of [
      { placeholderMessage: { type: 'MASK_LINKED_DEVICES' } },
      { buttonsMessage: { contentText: '¿Seguimos?', buttons: [] }, messageContextInfo: {} },
    ]) {
      const m = parsed(inbound(msg));
      assert.equal(m.type, 'unsupported', JSON.stringify(msg));
      assert.equal(m.content, null);
      assert.deepEqual(m.extra, {});
      assert.equal(m.sender, 'lead');
    }
  });
});

describe('parseUpsertItem: invalid items', () => {
  const invalid: [string, unknown, string][] = [
    ['non-object data', 'x', '"data" must be an object'],
    ['array data', [inbound({ conversation: 'x' })], '"data" must be an object'],
    ['missing key', { ...inbound({ conversation: 'x' }), key: undefined }, 'missing "key"'],
    ['string key', { ...inbound({ conversation: 'x' }), key: 'abc' }, '"key" must be an object'],
    ['missing key.id', withKey({ remoteJid: '573001234567@s.whatsapp.net' }), 'missing "key.id"'],
    [
      'numeric key.id',
      withKey({ remoteJid: '573001234567@s.whatsapp.net', id: 42 }),
      '"key.id" must be a string',
    ],
    ['empty key.id', withKey({ remoteJid: '573001234567@s.whatsapp.net', id: '' }), '"key.id" is empty'],
    ['missing key.remoteJid', withKey({ id: 'A' }), 'missing "key.remoteJid"'],
    [
      'numeric key.remoteJid',
      withKey({ id: 'A', remoteJid: 573001234567 }),
      '"key.remoteJid" must be a string',
    ],
    ['empty key.remoteJid', withKey({ id: 'A', remoteJid: '' }), '"key.remoteJid" is empty'],
    [
      'string key.fromMe',
      withKey({ id: 'A', remoteJid: '573001234567@s.whatsapp.net', fromMe: 'true' }),
      '"key.fromMe" must be a boolean',
    ],
    [
      'a phone JID without a number',
      withKey({ id: 'A', remoteJid: 'abc@s.whatsapp.net' }),
      '"key.remoteJid" has no usable phone number',
    ],
  ];
  for (const [what, data, reason] of invalid) {
    test(`${what} is invalid`, () => {
      assert.deepEqual(parseUpsertItem(data, RECEIVED_AT), { kind: 'invalid', reason });
    });
  }
});

/**
 * Evolution `messages.upsert` items carrying text: the captured payload, conversation and extended text, and
 * wrapped (ephemeral, view-once) content.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { audioMessage, imageMessage, textMessage, upsertBody } from '../../../testing/evolution-fixtures.js';
import { capturedUpsert, inbound, parsed } from '../../../testing/evolution-parse-fixtures.js';

describe('parseUpsertItem: the captured payload', () => {
  test('a fromMe text from the phone is an outbound agent message', () => {
    const m = parsed(capturedUpsert().data);
    assert.deepEqual(m, {
      providerMessageId: '3AE99D6A1DBF3F9A0578',
      party: {
        phone: '+5581997088404',
        lid: null,
        replyTo: '558197088404@s.whatsapp.net',
      },
      pushName: null,
      direction: 'outbound',
      sender: 'agent',
      type: 'text',
      content: 'Texto da mensagem',
      status: 'sent',
      timestamp: 1763771103000,
      extra: {},
    });
  });

  test('the same message inbound is a delivered lead message with pushName', () => {
    const data = capturedUpsert().data;
    const m = parsed({ ...data, key: { ...data.key, fromMe: false }, status: 'DELIVERY_ACK' });
    assert.equal(m.direction, 'inbound');
    assert.equal(m.sender, 'lead');
    assert.equal(m.status, 'delivered');
    assert.equal(m.pushName, 'Nome do Remetente');
  });

  test('fixture-built bodies parse end to end', () => {
    const body = upsertBody({
      from: '573001234567',
      text: 'Buenas tardes',
      pushName: '  Ana  ',
      timestamp: 1763771000,
    });
    const m = parsed(body.data);
    assert.equal(m.providerMessageId, body.data.key.id);
    assert.match(m.providerMessageId, /^3EB0[0-9A-F]{16}$/);
    assert.equal(m.party.phone, '+573001234567');
    assert.equal(m.content, 'Buenas tardes');
    assert.equal(m.pushName, 'Ana');
    assert.equal(m.timestamp, 1763771000000);
  });
});

describe('parseUpsertItem: text', () => {
  test('message.conversation', () => {
    const m = parsed(inbound(textMessage('Hola, ¿tienen envío a Medellín?')));
    assert.equal(m.type, 'text');
    assert.equal(m.content, 'Hola, ¿tienen envío a Medellín?');
    assert.deepEqual(m.extra, {});
  });

  test('v1 extendedTextMessage.text', () => {
    const m = parsed(
      inbound(
        { extendedTextMessage: { text: 'Olá, vi o anúncio https://loja.example/p/12', previewType: 'NONE' } },
        { messageType: 'extendedTextMessage', owner: '5535999990000', messageTimestamp: '1712345678' },
      ),
    );
    assert.equal(m.type, 'text');
    assert.equal(m.content, 'Olá, vi o anúncio https://loja.example/p/12');
    assert.equal(m.timestamp, 1712345678000);
  });

  test('conversation next to messageContextInfo and senderKeyDistributionMessage', () => {
    const m = parsed(
      inbound({
        senderKeyDistributionMessage: { groupId: 'x', axolotlSenderKeyDistributionMessage: 'AAA' },
        conversation: 'oi',
        messageContextInfo: { deviceListMetadataVersion: 2 },
      }),
    );
    assert.equal(m.type, 'text');
    assert.equal(m.content, 'oi');
  });
});

describe('parseUpsertItem: wrappers', () => {
  const wrappers = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'viewOnceMessageV2Extension'];
  for (const wrapper of wrappers) {
    test(`${wrapper} is unwrapped`, () => {
      const m = parsed(inbound({ [wrapper]: { message: imageMessage('só uma vez') } }));
      assert.equal(m.type, 'image');
      assert.equal(m.content, 'só uma vez');
    });
  }

  test('nested wrappers are unwrapped', () => {
    const m = parsed(
      inbound({ ephemeralMessage: { message: { viewOnceMessageV2: { message: audioMessage(true) } } } }),
    );
    assert.equal(m.type, 'voice');
  });

  test('ephemeral text', () => {
    const m = parsed(inbound({ ephemeralMessage: { message: { extendedTextMessage: { text: 'sumirá' } } } }));
    assert.equal(m.type, 'text');
    assert.equal(m.content, 'sumirá');
  });
});

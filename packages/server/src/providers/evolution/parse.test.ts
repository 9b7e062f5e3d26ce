import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  audioMessage,
  contactMessage,
  documentMessage,
  imageMessage,
  locationMessage,
  reactionMessage,
  stickerMessage,
  textMessage,
  upsertBody,
  videoMessage,
} from '../../../testing/evolution-fixtures.js';
import { normalizeEventName, parseEnvelope, parseUpsertItem } from './parse.js';
import type { ParsedEvolutionMessage, UpsertItem } from './types.js';

const RECEIVED_AT = 1_763_771_200_000;

/** The captured upsert of PROVIDERS.md §1.4 (hub-tedio-webhook EVENTOS.md). */
function capturedUpsert() {
  return {
    event: 'messages.upsert',
    instance: 'nome-da-instancia',
    data: {
      key: { remoteJid: '558197088404@s.whatsapp.net', fromMe: true, id: '3AE99D6A1DBF3F9A0578' },
      pushName: 'Nome do Remetente',
      status: 'SERVER_ACK',
      message: { conversation: 'Texto da mensagem' },
      messageType: 'conversation',
      messageTimestamp: 1763771103,
      instanceId: 'uuid-da-instancia',
      source: 'ios',
    },
    destination: 'https://seu-webhook.com/api/webhook',
    date_time: '2025-11-21T21:25:03.966Z',
    sender: '558196349077@s.whatsapp.net',
    server_url: 'http://localhost:8080',
    apikey: 'sua-api-key',
  };
}

/** Wraps a data item the way an inbound upsert carries it. */
function inbound(message: unknown, extra: Record<string, unknown> = {}) {
  return {
    key: { remoteJid: '573001234567@s.whatsapp.net', fromMe: false, id: '3EB0A1B2C3D4E5F60718' },
    pushName: 'María Gómez',
    status: 'DELIVERY_ACK',
    message,
    messageType: 'conversation',
    messageTimestamp: 1763771103,
    instanceId: 'b1c0f5e2-8d7a-4a51-9f0e-2a4d6c8e0f11',
    source: 'android',
    ...extra,
  };
}

function message(item: UpsertItem): ParsedEvolutionMessage {
  assert.equal(item.kind, 'message', JSON.stringify(item));
  return (item as { kind: 'message'; message: ParsedEvolutionMessage }).message;
}

function parsed(data: unknown): ParsedEvolutionMessage {
  return message(parseUpsertItem(data, RECEIVED_AT));
}

function withKey(key: Record<string, unknown>, rest: Record<string, unknown> = {}) {
  return { ...inbound({ conversation: 'Oi' }), ...rest, key };
}

// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------

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

describe('parseUpsertItem: media', () => {
  test('image with caption', () => {
    const m = parsed(inbound(imageMessage('Este modelo en azul')));
    assert.equal(m.type, 'image');
    assert.equal(m.content, 'Este modelo en azul');
    const media = m.extra.media;
    assert.ok(media);
    assert.equal(media.mime_type, 'image/jpeg');
    assert.equal(media.size, 48213);
    assert.equal(media.file_name, null);
    assert.equal(media.seconds, null);
    assert.match(media.provider_ref ?? '', /^https:\/\/mmg\.whatsapp\.net\//);
  });

  test('image without caption has null content; directPath when url is missing', () => {
    const m = parsed(
      inbound({
        imageMessage: { mimetype: 'image/png', directPath: '/v/t62.7118-24/abc.enc', fileLength: 10 },
      }),
    );
    assert.equal(m.content, null);
    assert.deepEqual(m.extra.media, {
      mime_type: 'image/png',
      size: 10,
      file_name: null,
      seconds: null,
      provider_ref: '/v/t62.7118-24/abc.enc',
    });
  });

  test('video with seconds', () => {
    const m = parsed(inbound(videoMessage('mira')));
    assert.equal(m.type, 'video');
    assert.equal(m.content, 'mira');
    assert.equal(m.extra.media?.seconds, 14);
    assert.equal(m.extra.media?.size, 1834021);
    assert.equal(m.extra.media?.mime_type, 'video/mp4');
  });

  test('document with a Long fileLength and a file name', () => {
    const m = parsed(inbound(documentMessage('cotizacion.pdf')));
    assert.equal(m.type, 'document');
    assert.equal(m.content, null);
    assert.equal(m.extra.media?.file_name, 'cotizacion.pdf');
    assert.equal(m.extra.media?.size, 214873);
    assert.equal(m.extra.media?.mime_type, 'application/pdf');
  });

  test('Long fileLength with a high word', () => {
    const m = parsed(inbound({ documentMessage: { fileLength: { low: 5, high: 1, unsigned: true } } }));
    assert.equal(m.extra.media?.size, 2 ** 32 + 5);
  });

  test('unreadable fileLength is null', () => {
    for (const fileLength of ['12kb', -4, 1.5, null, { low: 'x' }]) {
      const m = parsed(inbound({ documentMessage: { fileLength } }));
      assert.equal(m.extra.media?.size, null, JSON.stringify(fileLength));
    }
  });

  test('documentWithCaptionMessage (v1) is unwrapped', () => {
    const m = parsed(
      inbound({
        documentWithCaptionMessage: {
          message: {
            documentMessage: {
              url: 'https://mmg.whatsapp.net/v/t62.7119-24/x.enc',
              mimetype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
              fileName: 'pedido.xlsx',
              fileLength: '7731',
              caption: 'segue o pedido',
            },
          },
        },
      }),
    );
    assert.equal(m.type, 'document');
    assert.equal(m.content, 'segue o pedido');
    assert.equal(m.extra.media?.file_name, 'pedido.xlsx');
    assert.equal(m.extra.media?.size, 7731);
  });

  test('voice note (ptt) and audio file', () => {
    const voice = parsed(inbound(audioMessage(true)));
    assert.equal(voice.type, 'voice');
    assert.equal(voice.content, null);
    assert.equal(voice.extra.media?.seconds, 6);
    assert.equal(voice.extra.media?.mime_type, 'audio/ogg; codecs=opus');
    const audio = parsed(inbound(audioMessage(false)));
    assert.equal(audio.type, 'audio');
    assert.equal(parsed(inbound({ audioMessage: { seconds: 3 } })).type, 'audio');
  });

  test('sticker', () => {
    const m = parsed(inbound(stickerMessage()));
    assert.equal(m.type, 'sticker');
    assert.equal(m.content, null);
    assert.equal(m.extra.media?.mime_type, 'image/webp');
  });
});

describe('parseUpsertItem: location, contact, reaction', () => {
  test('location with name and address', () => {
    const m = parsed(inbound(locationMessage(4.6533, -74.0836, 'Tienda Chapinero', 'Cra 13 #54-20, Bogotá')));
    assert.equal(m.type, 'location');
    assert.equal(m.content, 'Tienda Chapinero');
    assert.deepEqual(m.extra.location, {
      latitude: 4.6533,
      longitude: -74.0836,
      name: 'Tienda Chapinero',
      address: 'Cra 13 #54-20, Bogotá',
    });
  });

  test('location with only an address, and with neither', () => {
    assert.equal(
      parsed(inbound(locationMessage(-23.56, -46.65, undefined, 'Av. Paulista, 1000'))).content,
      'Av. Paulista, 1000',
    );
    const bare = parsed(inbound(locationMessage(-23.56, -46.65)));
    assert.equal(bare.content, null);
    assert.deepEqual(bare.extra.location, { latitude: -23.56, longitude: -46.65, name: null, address: null });
  });

  test('live location', () => {
    const m = parsed(
      inbound({
        liveLocationMessage: {
          degreesLatitude: 19.4326,
          degreesLongitude: -99.1332,
          sequenceNumber: '1',
          caption: 'voy llegando',
        },
      }),
    );
    assert.equal(m.type, 'location');
    assert.equal(m.content, 'voy llegando');
    assert.equal(m.extra.location?.latitude, 19.4326);
  });

  test('location without coordinates keeps its type but no location', () => {
    const m = parsed(inbound({ locationMessage: { name: 'Casa' } }));
    assert.equal(m.type, 'location');
    assert.equal(m.extra.location, undefined);
  });

  test('single contact', () => {
    const m = parsed(inbound(contactMessage('Juan Pérez', '573109876543')));
    assert.equal(m.type, 'contact');
    assert.equal(m.content, 'Juan Pérez');
    assert.equal(m.extra.contacts?.length, 1);
    assert.equal(m.extra.contacts?.[0]?.name, 'Juan Pérez');
    assert.match(m.extra.contacts?.[0]?.vcard ?? '', /waid=573109876543/);
  });

  test('contacts array', () => {
    const m = parsed(
      inbound({
        contactsArrayMessage: {
          displayName: '2 contatos',
          contacts: [
            { displayName: 'Ana Souza', vcard: 'BEGIN:VCARD\nFN:Ana Souza\nEND:VCARD' },
            { displayName: 'Bruno Lima', vcard: 'BEGIN:VCARD\nFN:Bruno Lima\nEND:VCARD' },
            'garbage',
          ],
        },
      }),
    );
    assert.equal(m.type, 'contact');
    assert.equal(m.content, 'Ana Souza, Bruno Lima');
    assert.deepEqual(m.extra.contacts, [
      { name: 'Ana Souza', vcard: 'BEGIN:VCARD\nFN:Ana Souza\nEND:VCARD' },
      { name: 'Bruno Lima', vcard: 'BEGIN:VCARD\nFN:Bruno Lima\nEND:VCARD' },
    ]);
  });

  test('contacts array without names falls back to its displayName', () => {
    const m = parsed(
      inbound({ contactsArrayMessage: { displayName: '2 contatos', contacts: [{ vcard: 'V1' }] } }),
    );
    assert.equal(m.content, '2 contatos');
    assert.deepEqual(m.extra.contacts, [{ name: null, vcard: 'V1' }]);
  });

  test('reaction', () => {
    const m = parsed(inbound(reactionMessage('3EB0C431C26A1916E7A2', '❤️')));
    assert.equal(m.type, 'reaction');
    assert.equal(m.content, '❤️');
    assert.deepEqual(m.extra.reaction, { emoji: '❤️', target_provider_message_id: '3EB0C431C26A1916E7A2' });
  });

  test('removed reaction is still a reaction with an empty emoji', () => {
    const m = parsed(inbound(reactionMessage('3EB0C431C26A1916E7A2', '')));
    assert.equal(m.type, 'reaction');
    assert.equal(m.content, '');
    assert.deepEqual(m.extra.reaction, { emoji: '', target_provider_message_id: '3EB0C431C26A1916E7A2' });
    const noText = parsed(inbound({ reactionMessage: { key: { id: 'ABC' } } }));
    assert.equal(noText.extra.reaction?.emoji, '');
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

describe('parseUpsertItem: ignored and unsupported content', () => {
  const ignored: [string, unknown, string][] = [
    ['protocolMessage', { protocolMessage: { key: { id: 'X' }, type: 'REVOKE' } }, 'protocol message'],
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

  test('unknown kinds are kept as unsupported', () => {
    for (const msg of [
      { pollCreationMessageV3: { name: 'Qual cor?', options: [{ optionName: 'Azul' }] } },
      { placeholderMessage: { type: 'MASK_LINKED_DEVICES' } },
      { buttonsResponseMessage: { selectedButtonId: 'b1' }, messageContextInfo: {} },
    ]) {
      const m = parsed(inbound(msg));
      assert.equal(m.type, 'unsupported', JSON.stringify(msg));
      assert.equal(m.content, null);
      assert.deepEqual(m.extra, {});
      assert.equal(m.sender, 'lead');
    }
  });
});

describe('parseUpsertItem: addressing', () => {
  const skipped: [string, string][] = [
    ['120363041234567890@g.us', 'group chat'],
    ['5511987654321-1597321234@g.us', 'group chat'],
    ['120363198765432109@newsletter', 'newsletter'],
    ['status@broadcast', 'status broadcast'],
    ['1697040000@broadcast', 'broadcast list'],
  ];
  for (const [remoteJid, reason] of skipped) {
    test(`${remoteJid} is ignored as ${reason}`, () => {
      const data = withKey(
        { remoteJid, fromMe: false, id: '3EB0AAAA', participant: '573001234567@s.whatsapp.net' },
        { message: { conversation: 'hola grupo' } },
      );
      assert.deepEqual(parseUpsertItem(data, RECEIVED_AT), {
        kind: 'ignored',
        reason,
        providerMessageId: '3EB0AAAA',
      });
    });
  }

  test('an unknown server is ignored', () => {
    const item = parseUpsertItem(withKey({ remoteJid: '123@hosted', id: 'I1' }), RECEIVED_AT);
    assert.equal(item.kind, 'ignored');
  });

  test('@c.us and :device phone JIDs reply on @s.whatsapp.net', () => {
    assert.deepEqual(parsed(withKey({ remoteJid: '573001234567@c.us', id: 'C1' })).party, {
      phone: '+573001234567',
      lid: null,
      replyTo: '573001234567@s.whatsapp.net',
    });
    assert.equal(
      parsed(withKey({ remoteJid: '573001234567:9@s.whatsapp.net', id: 'C2' })).party.replyTo,
      '573001234567@s.whatsapp.net',
    );
  });

  test('Brazil 12-digit and 13-digit JIDs give the same phone but reply as received', () => {
    const old = parsed(withKey({ remoteJid: '558197088404@s.whatsapp.net', id: 'B1' })).party;
    const modern = parsed(withKey({ remoteJid: '5581997088404@s.whatsapp.net', id: 'B2' })).party;
    assert.equal(old.phone, '+5581997088404');
    assert.equal(modern.phone, '+5581997088404');
    assert.equal(old.replyTo, '558197088404@s.whatsapp.net');
    assert.equal(modern.replyTo, '5581997088404@s.whatsapp.net');
  });

  test('Mexico 521 JID', () => {
    const party = parsed(withKey({ remoteJid: '5215512345678@s.whatsapp.net', id: 'M1' })).party;
    assert.equal(party.phone, '+525512345678');
    assert.equal(party.replyTo, '5215512345678@s.whatsapp.net');
  });

  test('@lid with remoteJidAlt (2.3.6+, addressingMode lid)', () => {
    const data = withKey({
      remoteJid: '274860794187802@lid',
      remoteJidAlt: '558197088404@s.whatsapp.net',
      fromMe: false,
      id: '3EB05F1D2C3B4A596877',
      addressingMode: 'lid',
    });
    assert.deepEqual(parsed(data).party, {
      phone: '+5581997088404',
      lid: '274860794187802',
      replyTo: '558197088404@s.whatsapp.net',
    });
  });

  test('@lid with key.senderPn (2.3.0)', () => {
    const data = withKey({
      remoteJid: '274860794187802@lid',
      senderPn: '573001234567@s.whatsapp.net',
      id: 'L2',
    });
    assert.deepEqual(parsed(data).party, {
      phone: '+573001234567',
      lid: '274860794187802',
      replyTo: '573001234567@s.whatsapp.net',
    });
  });

  test('@lid with data.senderPn', () => {
    const data = withKey(
      { remoteJid: '274860794187802@lid', id: 'L3' },
      { senderPn: '573001234567@s.whatsapp.net' },
    );
    assert.equal(parsed(data).party.phone, '+573001234567');
  });

  test('remoteJidAlt wins over senderPn; a LID remoteJidAlt is not a phone', () => {
    const first = withKey({
      remoteJid: '274860794187802@lid',
      remoteJidAlt: '573001234567@s.whatsapp.net',
      senderPn: '573009999999@s.whatsapp.net',
      id: 'L4',
    });
    assert.equal(parsed(first).party.phone, '+573001234567');
    const lidAlt = withKey({
      remoteJid: '274860794187802@lid',
      remoteJidAlt: '999@lid',
      senderPn: '573009999999@s.whatsapp.net',
      id: 'L5',
    });
    assert.equal(parsed(lidAlt).party.phone, '+573009999999');
  });

  test('@lid without any phone (issue #2466) replies on the full LID JID', () => {
    const data = withKey({ remoteJid: '13718@lid', fromMe: false, id: '3EB0B8E5B1F3C2D4A6E0' });
    const m = parsed(data);
    assert.deepEqual(m.party, { phone: null, lid: '13718', replyTo: '13718@lid' });
    assert.equal(m.sender, 'lead');
  });

  test('@lid with a device suffix', () => {
    assert.deepEqual(parsed(withKey({ remoteJid: '13718:4@lid', id: 'L6' })).party, {
      phone: null,
      lid: '13718',
      replyTo: '13718@lid',
    });
  });

  test('phone remoteJid with a LID remoteJidAlt (addressingMode pn) records the LID', () => {
    const data = withKey({
      remoteJid: '573001234567@s.whatsapp.net',
      remoteJidAlt: '274860794187802@lid',
      id: 'P1',
      addressingMode: 'pn',
    });
    assert.deepEqual(parsed(data).party, {
      phone: '+573001234567',
      lid: '274860794187802',
      replyTo: '573001234567@s.whatsapp.net',
    });
  });

  test('2.3.1–2.3.4 rewritten key keeps the LID in previousRemoteJid', () => {
    const data = withKey({
      remoteJid: '573001234567@s.whatsapp.net',
      previousRemoteJid: '274860794187802@lid',
      id: 'P2',
    });
    assert.equal(parsed(data).party.lid, '274860794187802');
  });

  test('fixture keyExtra builds a LID upsert', () => {
    const body = upsertBody({
      remoteJid: '13718@lid',
      keyExtra: { remoteJidAlt: '5511987654321@s.whatsapp.net' },
    });
    assert.equal(parsed(body.data).party.phone, '+5511987654321');
  });
});

describe('parseUpsertItem: direction, status, time', () => {
  test('fromMe absent means inbound', () => {
    const m = parsed(withKey({ remoteJid: '573001234567@s.whatsapp.net', id: 'D1' }));
    assert.equal(m.direction, 'inbound');
    assert.equal(m.sender, 'lead');
  });

  test('fromMe ignores pushName (it is the business name)', () => {
    const body = upsertBody({ fromMe: true, pushName: 'Loja Centro' });
    const m = parsed(body.data);
    assert.equal(m.pushName, null);
    assert.equal(m.direction, 'outbound');
    assert.equal(m.sender, 'agent');
  });

  test('empty or missing pushName is null', () => {
    assert.equal(parsed(inbound({ conversation: 'x' }, { pushName: '' })).pushName, null);
    assert.equal(parsed(inbound({ conversation: 'x' }, { pushName: undefined })).pushName, null);
  });

  const statuses: [unknown, string][] = [
    ['ERROR', 'failed'],
    ['PENDING', 'pending'],
    ['SERVER_ACK', 'sent'],
    ['DELIVERY_ACK', 'delivered'],
    ['READ', 'read'],
    ['PLAYED', 'read'],
    [undefined, 'sent'],
    ['SOMETHING_NEW', 'sent'],
    ['toString', 'sent'],
  ];
  for (const [status, expected] of statuses) {
    test(`fromMe status ${String(status)} → ${expected}`, () => {
      const body = upsertBody({ fromMe: true });
      assert.equal(parsed({ ...body.data, status }).status, expected);
    });
  }

  test('inbound messages are delivered whatever the status says', () => {
    for (const status of ['DELIVERY_ACK', 'READ', 'PENDING', undefined]) {
      assert.equal(parsed(inbound({ conversation: 'x' }, { status })).status, 'delivered');
    }
  });

  test('messageTimestamp as number, numeric string and Long', () => {
    assert.equal(
      parsed(inbound({ conversation: 'x' }, { messageTimestamp: 1763771103 })).timestamp,
      1763771103000,
    );
    assert.equal(
      parsed(inbound({ conversation: 'x' }, { messageTimestamp: '1763771103' })).timestamp,
      1763771103000,
    );
    const long = { low: 1763771103, high: 0, unsigned: false };
    assert.equal(parsed(inbound({ conversation: 'x' }, { messageTimestamp: long })).timestamp, 1763771103000);
  });

  test('absent or invalid messageTimestamp falls back to receipt time, never date_time', () => {
    for (const messageTimestamp of [undefined, null, 'soon', -5, 0, {}]) {
      const data = inbound(
        { conversation: 'x' },
        { messageTimestamp, date_time: '2020-01-01T00:00:00.000Z' },
      );
      assert.equal(parsed(data).timestamp, RECEIVED_AT, JSON.stringify(messageTimestamp));
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

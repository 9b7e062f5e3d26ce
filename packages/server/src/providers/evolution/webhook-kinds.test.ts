/**
 * Evolution webhooks over real HTTP against a real node (docs/api.md §1): every message kind with its stored
 * type, content and live event; message time; fromMe; the ignored chats (groups, broadcasts, newsletters);
 * and which lead an @lid, a phone or a Brazilian number lands on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  audioMessage,
  contactMessage,
  documentMessage,
  imageMessage,
  locationMessage,
  stickerMessage,
  textMessage,
  type UpsertOptions,
  upsertBody,
  videoMessage,
} from '../../../testing/evolution-fixtures.js';
import {
  answer,
  assertSubset,
  counter,
  Fixture,
  msgOf,
  nextLid,
  nextPhone,
  type Obj,
} from '../../../testing/evolution-webhook-node.js';

describe('Evolution webhook: message kinds', () => {
  const f = new Fixture();
  const image = imageMessage('¿Este modelo?');
  const card = contactMessage('Juan Pérez', '573109876543');
  const imageUrl = (image.imageMessage as Obj).url;
  const vcard = (card.contactMessage as Obj).vcard;
  const where = { latitude: 4.6533, longitude: -74.0836, name: 'Tienda Centro', address: 'Cra 7 # 12-34' };
  // name, data.message, type, content (the preview is the content, else `[type]`), type-specific fields
  const loc = locationMessage(where.latitude, where.longitude, where.name, where.address);
  const pdf = { mime_type: 'application/pdf', size: 214873, file_name: 'cotizacion.pdf' };
  const ogg = { mime_type: 'audio/ogg; codecs=opus', seconds: 6 };
  const kinds: [string, Obj, string, string | null, Obj?][] = [
    ['text (conversation)', textMessage('¿Envío a Cali?'), 'text', '¿Envío a Cali?'],
    ['v1 extendedTextMessage', { extendedTextMessage: { text: 'Precio?' } }, 'text', 'Precio?'],
    ['image with caption', image, 'image', '¿Este modelo?', { media: { mime_type: 'image/jpeg' } }],
    ['video', videoMessage(), 'video', null, { media: { mime_type: 'video/mp4', seconds: 14 } }],
    ['document', documentMessage(), 'document', null, { media: pdf }],
    ['audio', audioMessage(false), 'audio', null, { media: { mime_type: 'audio/mpeg', seconds: 6 } }],
    ['voice note (ptt)', audioMessage(true), 'voice', null, { media: ogg }],
    ['sticker', stickerMessage(), 'sticker', null, { media: { mime_type: 'image/webp', file_name: null } }],
    ['location', loc, 'location', where.name, { location: where }],
    ['contact card', card, 'contact', 'Juan Pérez', { contacts: [{ name: 'Juan Pérez', vcard }] }],
  ];
  const common = { sender: 'lead', direction: 'inbound', status: 'delivered', provider: 'evolution' };
  for (const [name, message, type, content, extra] of kinds) {
    test(`${name} is stored as type ${type} with its content`, async () => {
      const from = nextPhone();
      const body = upsertBody({ from, message, pushName: 'María Gómez', timestamp: 1763700000 + counter });
      const { res, conv, message: m, lead } = await f.accept(body);
      const timestamp = new Date(body.data.messageTimestamp * 1000).toISOString();
      assertSubset(m, { ...common, ...extra, type, content, phone: `+${from}`, timestamp });
      assert.equal(m.provider_message_id, body.data.key.id);
      if (type === 'image') assert.deepEqual([m.media?.provider_ref, m.media?.size], [imageUrl, 48213]);
      assert.equal(conv.last_message_preview, content ?? `[${type}]`);
      assert.deepEqual([conv.unread_count, lead.name, lead.phone], [1, 'María Gómez', `+${from}`]);
      assert.deepEqual(msgOf(await f.frameFor(m.id)), m, 'the live event carries what REST returns');
      const providerMessageId = body.data.key.id;
      await f.receipt(res, { outcome: 'accepted', messageId: m.id, providerMessageId });
    });
  }

  test('message time is messageTimestamp, not date_time', async () => {
    // The captured upsert (testing/evolution-parse-fixtures.ts): date_time is the wall clock of a UTC-3 container.
    const body = upsertBody({ from: nextPhone(), timestamp: 1763771103 });
    body.date_time = '2025-11-21T21:25:03.966Z';
    const { message, conv } = await f.accept(body);
    assert.equal(message.timestamp, '2025-11-22T00:25:03.000Z');
    assert.equal(conv.last_message_at, '2025-11-22T00:25:03.000Z');
    // Baileys' uint64 may arrive as a numeric string or a protobuf Long.
    for (const raw of ['1763771104', { low: 1763771105, high: 0, unsigned: true }]) {
      const again = upsertBody({ from: nextPhone() }) as unknown as { data: Obj };
      again.data.messageTimestamp = raw;
      const at = new Date(Number(typeof raw === 'string' ? raw : raw.low) * 1000).toISOString();
      assert.equal((await f.accept(again)).message.timestamp, at);
    }
  });

  test('fromMe: sender agent, outbound, and pushName is not taken as the lead name', async () => {
    const from = nextPhone();
    const mine = await f.accept(upsertBody({ from, fromMe: true, pushName: 'Tienda Acme', text: 'Hola' }));
    const { sender, direction, status } = mine.message;
    assert.deepEqual([sender, direction, status], ['agent', 'outbound', 'sent']);
    assert.deepEqual([mine.lead.name, mine.lead.phone, mine.conv.unread_count], [null, `+${from}`, 0]);
    const theirs = await f.accept(upsertBody({ from, pushName: 'Carla' }));
    const again = await f.accept(upsertBody({ from, fromMe: true, pushName: 'Tienda Acme' }));
    assert.equal(theirs.conv.id, mine.conv.id);
    assert.deepEqual([again.lead.id, again.lead.name, again.conv.unread_count], [mine.lead.id, 'Carla', 1]);
  });

  const participant = { participant: `${nextPhone()}@s.whatsapp.net` };
  const ignored: [string, UpsertOptions, string][] = [
    ['group @g.us', { remoteJid: '120363041234567890@g.us', keyExtra: participant }, 'group chat'],
    ['status@broadcast', { remoteJid: 'status@broadcast', keyExtra: participant }, 'status broadcast'],
    ['newsletter', { remoteJid: '120363199999999999@newsletter' }, 'newsletter'],
  ];
  for (const [name, opts, reason] of ignored) {
    test(`${name} is 200 ignored, recorded, and creates no lead`, async () => {
      const body = upsertBody(opts);
      const res = await f.unchanged(() => f.post(body));
      assert.deepEqual(answer(res), [200, 'ignored', reason]);
      await f.receipt(res, { outcome: 'ignored', reason, providerMessageId: body.data.key.id });
    });
  }

  test('@lid with remoteJidAlt, then the phone JID, land on the same lead and conversation', async () => {
    const from = nextPhone();
    const alt = { remoteJidAlt: `${from}@s.whatsapp.net` };
    const first = await f.accept(upsertBody({ remoteJid: `${nextLid()}@lid`, keyExtra: alt }));
    assert.deepEqual([first.lead.phone, first.message.phone], [`+${from}`, `+${from}`]);
    const second = await f.accept(upsertBody({ from }));
    assert.deepEqual([second.lead.id, second.conv.id], [first.lead.id, first.conv.id]);
    assert.equal((await f.messages(first.conv.id)).length, 2);
  });

  test('@lid without any phone: lead phone null, and the same LID finds the lead again', async () => {
    const remoteJid = `${nextLid()}@lid`;
    const first = await f.accept(upsertBody({ remoteJid, pushName: 'Sin Número' }));
    assert.deepEqual([first.lead.phone, first.message.phone, first.lead.name], [null, null, 'Sin Número']);
    const second = await f.accept(upsertBody({ remoteJid }));
    assert.deepEqual([second.lead.id, second.conv.id], [first.lead.id, first.conv.id]);
  });

  test('a phone lead learns its LID: phone, then LID with the phone as alt, then the LID alone', async () => {
    const [from, lid] = [nextPhone(), nextLid()];
    const byPhone = await f.accept(upsertBody({ from }));
    const alt = { remoteJidAlt: `${from}@s.whatsapp.net` };
    const withAlt = await f.accept(upsertBody({ remoteJid: `${lid}@lid`, keyExtra: alt }));
    const lidOnly = await f.accept(upsertBody({ remoteJid: `${lid}@lid` }));
    assert.deepEqual([withAlt.lead.id, lidOnly.lead.id], [byPhone.lead.id, byPhone.lead.id]);
    assert.deepEqual([lidOnly.conv.id, lidOnly.message.phone], [byPhone.conv.id, `+${from}`]);
  });

  test('Brazil 12-digit and 13-digit forms of one number are one lead', async () => {
    const old = await f.accept(upsertBody({ from: '552187654321' }));
    const modern = await f.accept(upsertBody({ from: '5521987654321' }));
    assert.deepEqual([old.lead.phone, modern.message.phone], ['+5521987654321', '+5521987654321']);
    assert.deepEqual([modern.lead.id, modern.conv.id], [old.lead.id, old.conv.id]);
  });
});

/**
 * Files, quotes and new conversations through Evolution (issue #15 §7-8)
 * against the provider simulator: the exact request shapes of Evolution's
 * `sendMedia`, `sendWhatsAppAudio` and `quoted` option
 * (EvolutionAPI/evolution-api `src/validate/message.schema.ts`,
 * `src/api/dto/sendMessage.dto.ts`), ticks as for text, the file served back
 * from the media store, and bad input refused with nothing stored.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import {
  EVOLUTION_SEND_AUDIO,
  EVOLUTION_SEND_MEDIA,
  EVOLUTION_SEND_TEXT,
  messagesUpdateBody,
} from '../../testing/provider-simulator/evolution.js';
import { ReplyFixture } from '../../testing/reply-fixture.js';
import { exe, jpeg, ogg, pdf, png, upload } from '../../testing/upload-fixtures.js';
import { blobKey } from '../media/index.js';

const A = 'tenant-a';
const B = 'tenant-b';
const MAX = 4096;
let f: ReplyFixture;

before(async () => {
  f = await ReplyFixture.start([A, B], { outboundMediaMaxBytes: MAX });
});
after(() => f.close());

const send = (tenant: string, conversationId: string, bytes: Buffer, o: Parameters<typeof upload>[4]) =>
  upload(f.t.url, f.setup(tenant).token, conversationId, bytes, o);

async function counts(tenant: string) {
  const db = f.t.node.store.db;
  const m = await db
    .selectFrom('messages')
    .select(db.fn.countAll().as('n'))
    .where('tenant_id', '=', tenant)
    .executeTakeFirst();
  const media = await db
    .selectFrom('message_media')
    .select(db.fn.countAll().as('n'))
    .where('tenant_id', '=', tenant)
    .executeTakeFirst();
  return { messages: Number(m?.n), media: Number(media?.n) };
}

async function blobExists(bytes: Buffer): Promise<boolean> {
  const key = blobKey(createHash('sha256').update(bytes).digest('hex'));
  try {
    const s = await f.t.node.media.blobs.read(key);
    s.destroy();
    return true;
  } catch {
    return false;
  }
}

describe('files through Evolution', () => {
  test("an image goes out through sendMedia in Evolution's format, gets its ticks and is served back", async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(A, { from });
    const sa = await f.t.connect(A);
    const bytes = png();
    const r = await send(A, conversationId, bytes, {
      kind: 'image',
      contentType: 'image/png',
      caption: 'Catálogo 📷',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const message = r.body.message as MessagePayload;
    assert.equal(message.type, 'image');
    assert.equal(message.content, 'Catálogo 📷');
    assert.equal(message.status, 'pending');
    assert.deepEqual(message.media, {
      mime_type: 'image/png',
      size: bytes.length,
      file_name: null,
      seconds: null,
      provider_ref: null,
    });
    await f.statusOn(sa, message.id, 'sent');
    const [req] = f.sim
      .requests(EVOLUTION_SEND_MEDIA)
      .filter((q) => (q.body as { number?: string }).number === from);
    assert.ok(req, 'sendMedia was called');
    assert.equal(req.path, `/message/sendMedia/${A}-wa`);
    assert.equal(req.headers.apikey, `key-${A}`);
    assert.deepEqual(req.body, {
      number: from,
      mediatype: 'image',
      mimetype: 'image/png',
      media: bytes.toString('base64'),
      caption: 'Catálogo 📷',
    });
    const sent = f.evo.sentMedia.find((s) => s.number === from);
    assert.ok(sent, 'sendMedia was recorded');
    assert.ok(sent.bytes.equals(bytes), 'the simulator decoded the same bytes');
    // Delivered, as for text (messages.update keyed by key.id).
    const upd = await f.webhook(
      A,
      messagesUpdateBody({ instance: `${A}-wa`, keyId: sent.id, status: 'DELIVERY_ACK', sender: null }),
    );
    assert.equal(upd.status, 200, JSON.stringify(upd.body));
    await f.statusOn(sa, message.id, 'delivered');
    // The file is served from the media store.
    const got = await fetch(`${f.t.url}/api/messages/${message.id}/media`, {
      headers: { authorization: `Bearer ${f.setup(A).token}` },
    });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes));
    sa.close();
  });

  test('an audio file (not a voice note) goes through sendMedia as mediatype audio', async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(A, { from });
    const sa = await f.t.connect(A);
    const mp3 = Buffer.concat([Buffer.from('ID3\x04\0\0', 'latin1'), Buffer.alloc(64, 1)]);
    const r = await send(A, conversationId, mp3, {
      kind: 'audio',
      contentType: 'audio/mpeg',
      fileName: 'jingle.mp3',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((r.body.message as MessagePayload).type, 'audio');
    await f.statusOn(sa, (r.body.message as MessagePayload).id, 'sent');
    const req = f.sim
      .requests(EVOLUTION_SEND_MEDIA)
      .find((q) => (q.body as { number?: string }).number === from);
    assert.deepEqual(req?.body, {
      number: from,
      mediatype: 'audio',
      mimetype: 'audio/mpeg',
      media: mp3.toString('base64'),
      fileName: 'jingle.mp3',
    });
    assert.equal(
      f.sim.requests(EVOLUTION_SEND_AUDIO).filter((q) => (q.body as { number?: string }).number === from)
        .length,
      0,
    );
    sa.close();
  });

  test('a voice note goes through sendWhatsAppAudio; a document keeps its file name', async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(A, { from });
    const sa = await f.t.connect(A);
    const voice = ogg();
    const v = await send(A, conversationId, voice, { kind: 'voice', contentType: 'audio/ogg; codecs=opus' });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    assert.equal((v.body.message as MessagePayload).type, 'voice');
    await f.statusOn(sa, (v.body.message as MessagePayload).id, 'sent');
    const [audioReq] = f.sim
      .requests(EVOLUTION_SEND_AUDIO)
      .filter((q) => (q.body as { number?: string }).number === from);
    assert.deepEqual(audioReq?.body, { number: from, audio: voice.toString('base64') });
    const doc = pdf();
    const d = await send(A, conversationId, doc, {
      kind: 'document',
      contentType: 'application/pdf',
      fileName: 'cotización.pdf',
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    await f.statusOn(sa, (d.body.message as MessagePayload).id, 'sent');
    const docReq = f.sim
      .requests(EVOLUTION_SEND_MEDIA)
      .find((q) => (q.body as { number?: string; mediatype?: string }).number === from);
    assert.deepEqual(docReq?.body, {
      number: from,
      mediatype: 'document',
      mimetype: 'application/pdf',
      media: doc.toString('base64'),
      fileName: 'cotización.pdf',
    });
    sa.close();
  });
});

test('a file refused by Evolution is failed with the reason, and Retry sends it again', async () => {
  const from = f.nextPhone();
  const { conversationId } = await f.inbound(A, { from });
  const sa = await f.t.connect(A);
  f.sim.fail(
    EVOLUTION_SEND_MEDIA,
    {
      kind: 'status',
      status: 400,
      body: {
        status: 400,
        error: 'Bad Request',
        response: { message: ['Owned media must be a url or base64'] },
      },
    },
    1,
  );
  const r = await send(A, conversationId, pdf(), {
    kind: 'document',
    contentType: 'application/pdf',
    fileName: 'a.pdf',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = (r.body.message as MessagePayload).id;
  const failed = await f.statusOn(sa, id, 'failed');
  assert.match(String((failed.error as { message?: string } | undefined)?.message), /Owned media/);
  const retry = await f.postAs(A, `/api/messages/${id}/retry`);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  await f.statusOn(sa, id, 'sent');
  assert.equal(f.evo.sentMedia.filter((m) => m.number === from).length, 1);
  sa.close();
});

describe('quoting a message', () => {
  test('a text reply and a file reply quoting the customer carry Evolution `quoted` and `reply_to`', async () => {
    const from = f.nextPhone();
    const { conversationId, messageId } = await f.inbound(A, {
      from,
      text: '¿Tienen talla M?',
      id: 'QUOTED1ABC',
    });
    const sa = await f.t.connect(A);
    const r = await f.reply(A, conversationId, { text: 'Sí, en azul', reply_to: messageId });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const m = r.body.message as MessagePayload;
    assert.deepEqual(m.reply_to, {
      message_id: messageId,
      provider_message_id: 'QUOTED1ABC',
      content: '¿Tienen talla M?',
      sender: 'lead',
    });
    await f.statusOn(sa, m.id, 'sent');
    const req = f.sim
      .requests(EVOLUTION_SEND_TEXT)
      .find((q) => (q.body as { number?: string }).number === from);
    assert.deepEqual(req?.body, {
      number: from,
      text: 'Sí, en azul',
      quoted: {
        key: { id: 'QUOTED1ABC', fromMe: false, remoteJid: `${from}@s.whatsapp.net` },
        message: { conversation: '¿Tienen talla M?' },
      },
    });
    const img = await send(A, conversationId, jpeg(), {
      kind: 'image',
      contentType: 'image/jpeg',
      replyTo: m.id,
    });
    assert.equal(img.status, 201, JSON.stringify(img.body));
    await f.statusOn(sa, (img.body.message as MessagePayload).id, 'sent');
    const media = f.sim
      .requests(EVOLUTION_SEND_MEDIA)
      .find((q) => (q.body as { number?: string }).number === from);
    const sentId = f.evo.sent.find((s) => s.number === from)?.id;
    assert.deepEqual((media?.body as { quoted?: unknown } | undefined)?.quoted, {
      key: { id: sentId, fromMe: true, remoteJid: `${from}@s.whatsapp.net` },
      message: { conversation: 'Sí, en azul' },
    });
    sa.close();
  });

  test('reply_to of another conversation, of another tenant, or not sent yet is 400 and nothing is stored', async () => {
    const a1 = await f.inbound(A, { from: f.nextPhone() });
    const a2 = await f.inbound(A, { from: f.nextPhone() });
    const b1 = await f.inbound(B, { from: f.nextPhone() });
    const before = await counts(A);
    const beforeB = await counts(B);
    const other = await f.reply(A, a1.conversationId, { text: 'x', reply_to: a2.messageId });
    assert.deepEqual([other.status, other.body.error], [400, 'invalid_request']);
    const foreign = await f.reply(B, b1.conversationId, { text: 'x', reply_to: a1.messageId });
    assert.deepEqual([foreign.status, foreign.body.error], [400, 'invalid_request']);
    assert.deepEqual(await counts(A), before);
    assert.deepEqual(await counts(B), beforeB);
  });
});

describe('bad uploads: a clear 4xx with its code, nothing stored, nothing sent', () => {
  test('content that is not the declared type, an unsupported type, an oversized or empty file, no kind', async () => {
    const { conversationId } = await f.inbound(A, { from: f.nextPhone() });
    const before = await counts(A);
    const sends = f.sim.requests().length;
    const fake = exe();
    const cases: [Buffer, Parameters<typeof upload>[4], number, string][] = [
      [
        fake,
        { kind: 'document', contentType: 'application/pdf', fileName: 'factura.pdf' },
        422,
        'media_type_mismatch',
      ],
      [pdf(), { kind: 'image', contentType: 'image/png' }, 422, 'media_type_mismatch'],
      [pdf(), { kind: 'image', contentType: 'application/pdf' }, 415, 'unsupported_media_type'],
      [png(), { kind: 'image', contentType: 'image/jpeg' }, 422, 'media_type_mismatch'],
      [Buffer.from('GIF89a....'), { kind: 'image', contentType: 'image/gif' }, 415, 'unsupported_media_type'],
      [
        Buffer.concat([png(), Buffer.alloc(MAX)]),
        { kind: 'image', contentType: 'image/png' },
        413,
        'media_too_large',
      ],
      [Buffer.alloc(0), { kind: 'image', contentType: 'image/png' }, 400, 'invalid_request'],
    ];
    for (const [bytes, o, status, code] of cases) {
      const r = await send(A, conversationId, bytes, o);
      assert.deepEqual(
        [r.status, r.body.error],
        [status, code],
        `${o.contentType} as ${o.kind}: ${JSON.stringify(r.body)}`,
      );
    }
    const noKind = await fetch(`${f.t.url}/api/conversations/${conversationId}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.setup(A).token}`, 'content-type': 'image/png' },
      body: new Uint8Array(png()),
    });
    assert.equal(noKind.status, 400);
    assert.equal(((await noKind.json()) as { error: string }).error, 'invalid_request');
    assert.deepEqual(await counts(A), before, 'no message and no media record');
    assert.equal(await blobExists(fake), false, 'the fake PDF is not in the media store');
    assert.equal(f.sim.requests().length, sends, 'nothing reached Evolution');
  });

  test("tenant isolation: B cannot upload into A's conversation (404, nothing kept)", async () => {
    const { conversationId } = await f.inbound(A, { from: f.nextPhone() });
    const before = await counts(A);
    const bytes = png();
    const r = await send(B, conversationId, bytes, { kind: 'image', contentType: 'image/png' });
    assert.deepEqual([r.status, r.body.error], [404, 'not_found']);
    assert.deepEqual(await counts(A), before);
    assert.equal(await blobExists(bytes), false);
    const none = await upload(f.t.url, 'not-a-token', conversationId, bytes, {
      kind: 'image',
      contentType: 'image/png',
    });
    assert.equal(none.status, 401);
  });
});

describe('a conversation started from the inbox (Evolution)', () => {
  test('POST /api/conversations with a new number creates the lead and conversation and sends the text', async () => {
    const sa = await f.t.connect(A);
    const phone = f.nextPhone();
    const inst = f.setup(A).instance;
    const r = await f.postAs(A, '/api/conversations', {
      instance_id: inst.id,
      phone: `+${phone}`,
      text: 'Hola, le escribe Ana',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const message = r.body.message as MessagePayload;
    const conversation = r.body.conversation as { id: string; lead: { phone: string } };
    assert.equal(conversation.id, message.conversation_id);
    assert.equal(conversation.lead.phone, `+${phone}`);
    await sa.next((e) => e.type === 'lead_created');
    await sa.next((e) => e.type === 'new_message' && (e.message as MessagePayload).id === message.id);
    await f.statusOn(sa, message.id, 'sent');
    const req = f.sim
      .requests(EVOLUTION_SEND_TEXT)
      .find((q) => (q.body as { number?: string }).number === phone);
    assert.deepEqual(req?.body, { number: phone, text: 'Hola, le escribe Ana' });
    // The same number again continues the same conversation.
    const again = await f.postAs(A, '/api/conversations', {
      instance_id: inst.id,
      phone,
      text: '¿Sigue interesado?',
    });
    assert.equal(again.status, 201);
    assert.equal((again.body.message as MessagePayload).conversation_id, conversation.id);
    sa.close();
  });

  test("bad input and tenant isolation: another tenant's number 404, a bad phone 400, both text and template 400", async () => {
    const inst = f.setup(A).instance;
    const before = await counts(A);
    const beforeB = await counts(B);
    const foreign = await f.postAs(B, '/api/conversations', {
      instance_id: inst.id,
      phone: '+573001112233',
      text: 'x',
    });
    assert.deepEqual([foreign.status, foreign.body.error], [404, 'not_found']);
    const phone = await f.postAs(A, '/api/conversations', {
      instance_id: inst.id,
      phone: 'abc-not-phone',
      text: 'x',
    });
    assert.deepEqual([phone.status, phone.body.error], [400, 'invalid_request']);
    const both = await f.postAs(A, '/api/conversations', {
      instance_id: inst.id,
      phone: '+573001112233',
      text: 'x',
      template: { name: 't', language: 'es' },
    });
    assert.deepEqual([both.status, both.body.error], [400, 'invalid_request']);
    const tpl = await f.postAs(A, '/api/conversations', {
      instance_id: inst.id,
      phone: '+573001112233',
      template: { name: 't', language: 'es' },
    });
    assert.deepEqual([tpl.status, tpl.body.error], [409, 'templates_unavailable']);
    assert.deepEqual(await counts(A), before);
    assert.deepEqual(await counts(B), beforeB);
    const leads = await f.t.node.store.db
      .selectFrom('leads')
      .select('id')
      .where('phone', '=', '+573001112233')
      .execute();
    assert.deepEqual(leads, [], 'no lead was created');
  });
});

/**
 * Files, quotes, templates and new conversations through the WhatsApp Cloud
 * API (issue #15 §7-8) against the provider simulator, in Meta's documented
 * shapes (developers.facebook.com/documentation/business-messaging/whatsapp:
 * "Upload media", "Image/Document/Audio messages" with `voice: true`,
 * "Contextual replies" `context.message_id`, "Message templates"
 * `GET /{waba_id}/message_templates`, "Template messages"): the upload then
 * the send, ticks from status webhooks, the approved templates listed and
 * cached, a template sent when the 24-hour window is closed (free text stays
 * 409), and a conversation started with a template.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { cloudBody, cloudStatus, messagesValue, statusesValue } from '../../../testing/cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook, startSimulatedCloud } from '../../../testing/cloud-node.js';
import type { Frame, HttpResult, TestNewton, TestSocket } from '../../../testing/harness.js';
import {
  CLOUD_SEND,
  CLOUD_TEMPLATES,
  CLOUD_UPLOAD,
  type CloudSim,
} from '../../../testing/provider-simulator/cloud.js';
import type { ProviderSimulator } from '../../../testing/provider-simulator/server.js';
import { ogg, png, upload } from '../../../testing/upload-fixtures.js';
import type { Instance } from '../../core/index.js';

const TENANT = 'acme';
const OTHER = 'beta';
const PNID = '106540352242922';
const OTHER_PNID = '209876543210987';
const WABA = '102290129340398'; // the entry id of cloudBody (cloud-fixtures.ts)
const SECRET = 'app-secret-acme-9f8e7d';
const TOKEN = 'EAAG-access-token-acme';

let counter = 0;
const nextPhone = () => `5730077${String(++counter).padStart(5, '0')}`;

let t: TestNewton;
let sim: ProviderSimulator;
let cloud: CloudSim;
let socket: TestSocket;
let token: string;
let otherToken: string;
let instance: Instance;
let otherInstance: Instance;
let close: () => Promise<void>;

/** Meta's list answer (components as Meta returns them). */
const TEMPLATES = [
  {
    name: 'seguimiento_pedido',
    language: 'es',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Tu pedido' },
      {
        type: 'BODY',
        text: 'Hola {{1}}, tu pedido {{2}} está en camino.',
        example: { body_text: [['Ana', '#123']] },
      },
      { type: 'FOOTER', text: 'Tienda Acme' },
    ],
  },
  {
    name: 'hola',
    language: 'es',
    category: 'MARKETING',
    components: [{ type: 'BODY', text: '¡Hola! ¿Podemos ayudarte?' }],
  },
  // A media header Newton cannot fill: not listed.
  {
    name: 'promo_imagen',
    language: 'es',
    category: 'MARKETING',
    components: [
      { type: 'HEADER', format: 'IMAGE' },
      { type: 'BODY', text: 'Mira esto' },
    ],
  },
  { name: 'rechazada', language: 'es', status: 'REJECTED', components: [{ type: 'BODY', text: 'x' }] },
];

before(async () => {
  ({ t, sim, cloud, close } = await startSimulatedCloud({
    numbers: { [PNID]: TOKEN, [OTHER_PNID]: 'EAAG-other' },
    tenants: [TENANT, OTHER],
    config: {
      providerTimeoutMs: 3000,
      sendRetryBaseMs: 20,
      sendRetryMaxMs: 80,
      sendResumeAfterMs: 0,
      templatesCacheTtlMs: 60_000,
    },
  }));
  instance = await addCloudNumber(t, {
    tenantId: TENANT,
    phoneNumberId: PNID,
    accessToken: TOKEN,
    appSecret: SECRET,
    baseUrl: cloud.graphUrl,
  });
  otherInstance = await addCloudNumber(t, {
    tenantId: OTHER,
    phoneNumberId: OTHER_PNID,
    accessToken: 'EAAG-other',
    appSecret: 'other-secret',
    verifyToken: 'vt2',
    baseUrl: cloud.graphUrl,
  });
  cloud.templates.set(WABA, TEMPLATES);
  cloud.numberWaba.set(PNID, WABA);
  token = await t.token(TENANT, { user: 'agent-1' });
  otherToken = await t.token(OTHER, { user: 'agent-2' });
  socket = await t.connect(TENANT);
});
after(() => close());

async function inbound(
  from: string,
  ageSeconds = 0,
  id?: string,
): Promise<{ conversationId: string; messageId: string }> {
  const timestamp = Math.floor(Date.now() / 1000) - ageSeconds;
  const r = await postCloudWebhook(
    t,
    cloudBody(messagesValue({ phoneNumberId: PNID, from, timestamp, name: 'Zoë', ...(id ? { id } : {}) })),
    SECRET,
  );
  assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
  return { conversationId: String(r.body.conversation_id), messageId: String(r.body.message_id) };
}

const as = (tok: string) => ({ authorization: `Bearer ${tok}` });
const statusFrame = (messageId: string, status: string) => (f: Frame) =>
  f.type === 'message_status' && f.message_id === messageId && f.status === status;
const sendsTo = (to: string) => sim.requests(CLOUD_SEND).filter((r) => (r.body as { to?: string }).to === to);

describe('files through the Cloud API', () => {
  test('an image is uploaded (multipart) then sent by its media id; ticks come from status webhooks', async () => {
    const from = nextPhone();
    const { conversationId } = await inbound(from);
    const bytes = png();
    const r = await upload(t.url, token, conversationId, bytes, {
      kind: 'image',
      contentType: 'image/png',
      caption: 'Foto',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = (r.body.message as MessagePayload).id;
    await socket.next(statusFrame(id, 'sent'));
    const up = sim.requests(CLOUD_UPLOAD).at(-1);
    assert.equal(up?.path, `/v21.0/${PNID}/media`);
    assert.equal(up?.headers.authorization, `Bearer ${TOKEN}`);
    const [mediaId, stored] = [...cloud.uploads].at(-1) ?? [];
    assert.ok(stored?.bytes.equals(bytes), 'Meta received the same bytes');
    assert.equal(stored?.mimeType, 'image/png');
    const [send] = sendsTo(from);
    assert.deepEqual(send?.body, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: from,
      type: 'image',
      image: { id: mediaId, caption: 'Foto' },
    });
    const wamid = String(cloud.sent.at(-1)?.id);
    const delivered = await postCloudWebhook(
      t,
      cloudBody(statusesValue(PNID, [cloudStatus({ id: wamid, status: 'delivered' })])),
      SECRET,
    );
    assert.equal(delivered.status, 200);
    await socket.next(statusFrame(id, 'delivered'));
  });

  test('a voice note is audio with voice: true; a reply quoting the customer carries context.message_id', async () => {
    const from = nextPhone();
    const quotedWamid = `wamid.HBgQUOTE${counter}AAA=`;
    const { conversationId, messageId } = await inbound(from, 0, quotedWamid);
    const v = await upload(t.url, token, conversationId, ogg(), {
      kind: 'voice',
      contentType: 'audio/ogg',
      replyTo: messageId,
    });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    await socket.next(statusFrame((v.body.message as MessagePayload).id, 'sent'));
    const [mediaId] = [...cloud.uploads].at(-1) ?? [];
    assert.deepEqual(sendsTo(from)[0]?.body, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: from,
      context: { message_id: quotedWamid },
      type: 'audio',
      audio: { id: mediaId, voice: true },
    });
    const text = await t.post(
      `/api/conversations/${conversationId}/messages`,
      { text: 'Claro', reply_to: messageId },
      as(token),
    );
    assert.equal(text.status, 201, JSON.stringify(text.body));
    await socket.next(statusFrame((text.body.message as MessagePayload).id, 'sent'));
    assert.deepEqual((sendsTo(from)[1]?.body as { context?: unknown } | undefined)?.context, {
      message_id: quotedWamid,
    });
  });
});

test('a failed upload (Meta 500) is retried: the file still goes out once', async () => {
  const from = nextPhone();
  const { conversationId } = await inbound(from);
  sim.fail(
    CLOUD_UPLOAD,
    { kind: 'status', status: 500, body: { error: { message: 'An unknown error occurred', code: 1 } } },
    1,
  );
  const before = sim.requests(CLOUD_UPLOAD).length;
  const r = await upload(t.url, token, conversationId, png(), { kind: 'image', contentType: 'image/png' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await socket.next(statusFrame((r.body.message as MessagePayload).id, 'sent'));
  assert.equal(sim.requests(CLOUD_UPLOAD).length - before, 2, 'one refused upload, one that worked');
  assert.equal(sendsTo(from).length, 1);
});

describe('templates', () => {
  test('the approved templates Newton can fill are listed, and cached', async () => {
    await inbound(nextPhone()); // the number's WABA is learned from its webhooks
    const before = sim.requests(CLOUD_TEMPLATES).length;
    const r = await t.get(`/api/instances/${instance.id}/templates`, token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const items = r.body.items as { name: string; placeholders: string[]; body: string | null }[];
    assert.deepEqual(
      items.map((i) => [i.name, i.placeholders]),
      [
        ['seguimiento_pedido', ['1', '2']],
        ['hola', []],
      ],
    );
    const req = sim.requests(CLOUD_TEMPLATES).at(-1);
    assert.equal(req?.path, `/v21.0/${WABA}/message_templates`);
    assert.equal(req?.query.get('status'), 'APPROVED');
    const again = await t.get(`/api/instances/${instance.id}/templates`, token);
    assert.equal(again.status, 200);
    assert.equal(sim.requests(CLOUD_TEMPLATES).length, before + 1, 'the second list came from the cache');
  });

  test("isolation and numbers without templates: B gets 404 for A's number, 409 for its own without a WABA", async () => {
    const foreign = await t.get(`/api/instances/${instance.id}/templates`, otherToken);
    assert.deepEqual([foreign.status, foreign.body.error], [404, 'not_found']);
    const own = await t.get(`/api/instances/${otherInstance.id}/templates`, otherToken);
    assert.deepEqual([own.status, own.body.error], [409, 'templates_unavailable']);
  });

  test('window closed: free text stays 409, a template with its variables is sent and ticks', async () => {
    const from = nextPhone();
    const { conversationId } = await inbound(from, 25 * 3600);
    const free = await t.post(`/api/conversations/${conversationId}/messages`, { text: 'hola' }, as(token));
    assert.deepEqual([free.status, free.body.error], [409, 'reply_window_closed']);
    const r = await t.post(
      `/api/conversations/${conversationId}/template`,
      { name: 'seguimiento_pedido', language: 'es', variables: ['Zoë', '#A-77'] },
      as(token),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const m = r.body.message as MessagePayload;
    assert.equal(m.content, 'Hola Zoë, tu pedido #A-77 está en camino.');
    assert.deepEqual(m.template, {
      name: 'seguimiento_pedido',
      language: 'es',
      variables: ['Zoë', '#A-77'],
      placeholders: ['1', '2'],
    });
    await socket.next(statusFrame(m.id, 'sent'));
    assert.deepEqual(sendsTo(from)[0]?.body, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: from,
      type: 'template',
      template: {
        name: 'seguimiento_pedido',
        language: { code: 'es' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Zoë' },
              { type: 'text', text: '#A-77' },
            ],
          },
        ],
      },
    });
  });

  test("bad template input: unknown name 422, wrong variable count 400, another tenant's conversation 404; nothing stored", async () => {
    const from = nextPhone();
    const { conversationId } = await inbound(from, 25 * 3600);
    const count = async () =>
      Number(
        (
          await t.node.store.db
            .selectFrom('messages')
            .select(t.node.store.db.fn.countAll().as('n'))
            .where('conversation_id', '=', conversationId)
            .executeTakeFirst()
        )?.n,
      );
    const before = await count();
    const unknown = await t.post(
      `/api/conversations/${conversationId}/template`,
      { name: 'nope', language: 'es' },
      as(token),
    );
    assert.deepEqual([unknown.status, unknown.body.error], [422, 'template_not_found']);
    const vars = await t.post(
      `/api/conversations/${conversationId}/template`,
      { name: 'seguimiento_pedido', language: 'es', variables: ['solo uno'] },
      as(token),
    );
    assert.deepEqual([vars.status, vars.body.error], [400, 'invalid_request']);
    const foreign = await t.post(
      `/api/conversations/${conversationId}/template`,
      { name: 'hola', language: 'es' },
      as(otherToken),
    );
    assert.deepEqual([foreign.status, foreign.body.error], [404, 'not_found']);
    assert.equal(await count(), before);
    assert.deepEqual(sendsTo(from), []);
  });
});

describe('a conversation started from the inbox (Cloud API)', () => {
  test('free text first is 409; a template first creates the conversation and is sent', async () => {
    const phone = nextPhone();
    const text = await t.post(
      '/api/conversations',
      { instance_id: instance.id, phone: `+${phone}`, text: 'hola' },
      as(token),
    );
    assert.deepEqual([text.status, text.body.error], [409, 'reply_window_closed']);
    const leads = await t.node.store.db
      .selectFrom('leads')
      .select('id')
      .where('phone', '=', `+${phone}`)
      .execute();
    assert.deepEqual(leads, [], 'the refused start created nothing');
    const r = await t.post(
      '/api/conversations',
      { instance_id: instance.id, phone: `+${phone}`, template: { name: 'hola', language: 'es' } },
      as(token),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const m = r.body.message as MessagePayload;
    assert.equal(m.content, '¡Hola! ¿Podemos ayudarte?');
    await socket.next((e) => e.type === 'new_message' && (e.message as MessagePayload).id === m.id);
    await socket.next(statusFrame(m.id, 'sent'));
    assert.deepEqual(sendsTo(phone)[0]?.body, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: phone,
      type: 'template',
      template: { name: 'hola', language: { code: 'es' } },
    });
  });

  test('text to a number whose customer wrote within 24 hours continues that conversation', async () => {
    const from = nextPhone();
    const { conversationId } = await inbound(from);
    const r = await t.post(
      '/api/conversations',
      { instance_id: instance.id, phone: `+${from}`, text: 'Seguimos por aquí' },
      as(token),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((r.body.message as MessagePayload).conversation_id, conversationId);
    await socket.next(statusFrame((r.body.message as MessagePayload).id, 'sent'));
  });

  test("B cannot start a conversation on A's number (404)", async () => {
    const r: HttpResult = await t.post(
      '/api/conversations',
      { instance_id: instance.id, phone: '+573009998877', template: { name: 'hola', language: 'es' } },
      as(otherToken),
    );
    assert.deepEqual([r.status, r.body.error], [404, 'not_found']);
  });
});

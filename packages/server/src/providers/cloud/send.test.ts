/**
 * Replies through the WhatsApp Cloud API against the provider simulator:
 * exactly one Graph API send with Meta's body and the bearer token, statuses
 * from Cloud webhooks as `message_status`, failures with Meta's reason, and
 * the 24-hour customer-service window refused up front.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cloudBody, cloudStatus, messagesValue, statusesValue } from '../../../testing/cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook, startSimulatedCloud } from '../../../testing/cloud-node.js';
import type { Frame, HttpResult, TestNewton, TestSocket } from '../../../testing/harness.js';
import { CLOUD_SEND, type CloudSim, graphErrorBody } from '../../../testing/provider-simulator/cloud.js';
import type { ProviderSimulator } from '../../../testing/provider-simulator/server.js';

const TENANT = 'acme';
const OTHER = 'beta';
const PNID = '106540352242922';
const OTHER_PNID = '209876543210987';
const SECRET = 'app-secret-acme-9f8e7d';
const TOKEN = 'EAAG-access-token-acme';

let counter = 0;
const nextPhone = () => `5730066${String(++counter).padStart(5, '0')}`;

let t: TestNewton;
let sim: ProviderSimulator;
let cloud: CloudSim;
let socket: TestSocket;
let token: string;
let close: () => Promise<void>;

before(async () => {
  ({ t, sim, cloud, close } = await startSimulatedCloud({
    numbers: { [PNID]: TOKEN, [OTHER_PNID]: 'EAAG-other' },
    tenants: [TENANT, OTHER],
  }));
  const baseUrl = cloud.graphUrl;
  await addCloudNumber(t, {
    tenantId: TENANT,
    phoneNumberId: PNID,
    accessToken: TOKEN,
    appSecret: SECRET,
    baseUrl,
  });
  await addCloudNumber(t, {
    tenantId: OTHER,
    phoneNumberId: OTHER_PNID,
    accessToken: 'EAAG-other',
    appSecret: 'other-secret',
    verifyToken: 'vt2',
    baseUrl,
  });
  token = await t.token(TENANT, { user: 'agent-1' });
  socket = await t.connect(TENANT);
});
after(() => close());

function webhook(body: unknown): Promise<HttpResult> {
  return postCloudWebhook(t, body, SECRET);
}

/** A customer message `ageSeconds` old; returns its conversation id. */
async function inbound(from: string, ageSeconds = 0): Promise<string> {
  const timestamp = Math.floor(Date.now() / 1000) - ageSeconds;
  const r = await webhook(cloudBody(messagesValue({ phoneNumberId: PNID, from, timestamp, name: 'Zoë' })));
  assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
  return String(r.body.conversation_id);
}

function reply(conversationId: string, text: string, as = token): Promise<HttpResult> {
  return t.post(`/api/conversations/${conversationId}/messages`, { text }, { authorization: `Bearer ${as}` });
}

const statusFrame = (messageId: string, status: string) => (f: Frame) =>
  f.type === 'message_status' && f.message_id === messageId && f.status === status;

describe('Cloud API replies', () => {
  test('a reply makes exactly one Graph API send with the right body and bearer token', async () => {
    const from = nextPhone();
    const conv = await inbound(from);
    const before = sim.requests(CLOUD_SEND).length;
    const r = await reply(conv, 'Hola Zoë, sí: envío gratis 🚚');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = String((r.body.message as { id: string }).id);
    await socket.next(statusFrame(id, 'sent'));
    const sends = sim.requests(CLOUD_SEND).slice(before);
    assert.equal(sends.length, 1);
    const [req] = sends;
    assert.equal(req?.path, `/v21.0/${PNID}/messages`);
    assert.equal(req?.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(req?.body, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: from,
      type: 'text',
      text: { preview_url: false, body: 'Hola Zoë, sí: envío gratis 🚚' },
    });
    const sent = cloud.sent.at(-1);
    const row = await t.node.store.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.provider_message_id, sent?.id);
    assert.equal(row.provider, 'cloud');
  });

  test('sent, delivered and read statuses from Cloud webhooks reach the socket as message_status', async () => {
    const conv = await inbound(nextPhone());
    const r = await reply(conv, 'Su pedido va en camino');
    const id = String((r.body.message as { id: string }).id);
    await socket.next(statusFrame(id, 'sent'));
    const wamid = String(cloud.sent.at(-1)?.id);
    const delivered = await webhook(
      cloudBody(statusesValue(PNID, [cloudStatus({ id: wamid, status: 'delivered' })])),
    );
    assert.equal(delivered.status, 200);
    assert.equal(delivered.body.outcome, 'accepted');
    await socket.next(statusFrame(id, 'delivered'));
    // read and a late sent in one webhook: read applies, sent never moves it back.
    const batch = await webhook(
      cloudBody(
        statusesValue(PNID, [
          cloudStatus({ id: wamid, status: 'read' }),
          cloudStatus({ id: wamid, status: 'sent' }),
        ]),
      ),
    );
    assert.deepEqual(
      (batch.body.items as { outcome: string }[]).map((i) => i.outcome),
      ['accepted', 'duplicate'],
    );
    const read = await socket.next(statusFrame(id, 'read'));
    assert.equal(read.conversation_id, conv);
    // Every status leaves a receipt (one per item), as messages do.
    const receipts = (await t.node.store.receipts.list({ limit: 1000 })).filter(
      (x) => x.traceId === batch.body.trace_id,
    );
    assert.deepEqual(receipts.map((x) => [x.provider, x.outcome, x.providerMessageId]).sort(), [
      ['cloud', 'accepted', wamid],
      ['cloud', 'duplicate', wamid],
    ]);
    const row = await t.node.store.db
      .selectFrom('messages')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'read');
  });

  test('a failed status with errors[] makes the message failed with the reason', async () => {
    const conv = await inbound(nextPhone());
    const r = await reply(conv, 'Hola');
    const id = String((r.body.message as { id: string }).id);
    await socket.next(statusFrame(id, 'sent'));
    const wamid = String(cloud.sent.at(-1)?.id);
    const errors = [
      {
        code: 131026,
        title: 'Message undeliverable',
        message: 'Message undeliverable',
        error_data: { details: 'Message Undeliverable: the recipient is not on WhatsApp' },
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ];
    await webhook(cloudBody(statusesValue(PNID, [cloudStatus({ id: wamid, status: 'failed', errors })])));
    const failed = await socket.next(statusFrame(id, 'failed'));
    assert.deepEqual(failed.error, {
      code: '131026',
      message: 'Message Undeliverable: the recipient is not on WhatsApp',
    });
  });

  test("Meta's error answer to a send fails the reply with Meta's reason, without retrying a 4xx", async () => {
    const conv = await inbound(nextPhone());
    const before = sim.requests(CLOUD_SEND).length;
    sim.fail(CLOUD_SEND, {
      kind: 'status',
      ...graphErrorBody(400, '(#131009) Parameter value is not valid', 131009),
    });
    const r = await reply(conv, 'Hola');
    const id = String((r.body.message as { id: string }).id);
    const failed = await socket.next(statusFrame(id, 'failed'));
    assert.match(
      String((failed.error as { message: string }).message),
      /Parameter value is not valid \(code 131009/,
    );
    assert.equal(sim.requests(CLOUD_SEND).length - before, 1);
  });

  test('a 5xx from the Graph API is retried and then sent once', async () => {
    const conv = await inbound(nextPhone());
    const before = cloud.sent.length;
    sim.fail(CLOUD_SEND, { kind: 'status', ...graphErrorBody(500, 'An unknown error occurred', 1) });
    const r = await reply(conv, 'Reintento');
    const id = String((r.body.message as { id: string }).id);
    await socket.next(statusFrame(id, 'sent'), 15_000);
    assert.equal(cloud.sent.length - before, 1);
  });

  test('outside the 24-hour window a reply is refused with 409 reply_window_closed and nothing is sent', async () => {
    const conv = await inbound(nextPhone(), 25 * 3600);
    const before = sim.requests(CLOUD_SEND).length;
    const r = await reply(conv, '¿Sigue interesado?');
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'reply_window_closed');
    assert.match(String(r.body.message), /24 hours/);
    const rows = await t.node.store.db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', conv)
      .where('direction', '=', 'outbound')
      .execute();
    assert.equal(rows.length, 0);
    assert.equal(sim.requests(CLOUD_SEND).length, before);
  });

  test("statuses of another tenant's number never touch this tenant's messages", async () => {
    const conv = await inbound(nextPhone());
    const r = await reply(conv, 'Aislado');
    const id = String((r.body.message as { id: string }).id);
    await socket.next(statusFrame(id, 'sent'));
    const wamid = String(cloud.sent.at(-1)?.id);
    const body = cloudBody(statusesValue(OTHER_PNID, [cloudStatus({ id: wamid, status: 'read' })]));
    const res = await postCloudWebhook(t, body, 'other-secret');
    assert.equal(res.status, 200);
    assert.notEqual(res.body.outcome, 'rejected');
    const row = await t.node.store.db
      .selectFrom('messages')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'sent');
    assert.ok(
      !socket.frames.some((f) => f.type === 'message_status' && f.message_id === id && f.status === 'read'),
    );
  });
});

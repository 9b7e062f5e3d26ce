/**
 * Cloud API coexistence echoes (`smb_message_echoes`, issue #13) beyond the
 * corpus: one that carries the wamid of a reply Newton sent is that reply
 * (no second message, no event), edits and deletions echoed from the app
 * are not messages, and the customer is always `to`, never the business.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cloudBody, messagesValue } from '../../../testing/cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook, startSimulatedCloud } from '../../../testing/cloud-node.js';
import type { Frame, HttpResult, TestNewton, TestSocket } from '../../../testing/harness.js';
import { CLOUD_SEND, type CloudSim } from '../../../testing/provider-simulator/cloud.js';
import type { ProviderSimulator } from '../../../testing/provider-simulator/server.js';
import { parseEcho } from './echoes.js';

const TENANT = 'acme';
const PNID = '106540352242922';
const SECRET = 'app-secret-echoes';
const TOKEN = 'EAAG-echoes';
const CUSTOMER = '573007770001';

let t: TestNewton;
let cloud: CloudSim;
let sim: ProviderSimulator;
let socket: TestSocket;
let close: () => Promise<void>;

before(async () => {
  ({ t, cloud, sim, close } = await startSimulatedCloud({ numbers: { [PNID]: TOKEN }, tenants: [TENANT] }));
  await addCloudNumber(t, {
    tenantId: TENANT,
    phoneNumberId: PNID,
    accessToken: TOKEN,
    appSecret: SECRET,
    baseUrl: cloud.graphUrl,
  });
  socket = await t.connect(TENANT);
});
after(() => close());

const webhook = (body: unknown): Promise<HttpResult> => postCloudWebhook(t, body, SECRET);

/** An `smb_message_echoes` body (Meta's smb_message_echoes reference) with one echo. */
function echoBody(echo: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PNID },
              message_echoes: [
                {
                  from: '15550783881',
                  to: CUSTOMER,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  ...echo,
                },
              ],
            },
            field: 'smb_message_echoes',
          },
        ],
      },
    ],
  };
}

describe('Cloud smb_message_echoes', () => {
  test('the echo of a reply sent from the CRM is that reply: duplicate, no new message', async () => {
    const first = await webhook(
      cloudBody(messagesValue({ phoneNumberId: PNID, from: CUSTOMER, name: 'Ana' })),
    );
    const conversationId = String(first.body.conversation_id);
    const token = await t.token(TENANT, { user: 'agent-1' });
    const r = await t.post(
      `/api/conversations/${conversationId}/messages`,
      { text: 'Le confirmo el envío' },
      { authorization: `Bearer ${token}` },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = String((r.body.message as { id: string }).id);
    await socket.next(
      (f: Frame) => f.type === 'message_status' && f.message_id === id && f.status === 'sent',
    );
    const wamid = String(cloud.sent.at(-1)?.id);
    const events = socket.events().length;
    const echo = await webhook(echoBody({ id: wamid, type: 'text', text: { body: 'Le confirmo el envío' } }));
    assert.deepEqual([echo.status, echo.body.outcome, echo.body.message_id], [200, 'duplicate', id]);
    const rows = await t.node.store.db
      .selectFrom('messages')
      .select('id')
      .where('provider_message_id', '=', wamid)
      .execute();
    assert.equal(rows.length, 1);
    // A later message proves the socket is caught up: nothing came in between.
    const later = await webhook(
      cloudBody(messagesValue({ phoneNumberId: PNID, from: CUSTOMER, name: 'Ana' })),
    );
    await socket.next((f) => f.type === 'new_message' && f.seq === (later.body.seq as number[]).at(-1));
    const between = socket
      .events()
      .slice(events)
      .filter((f) => (f.seq ?? 0) < ((later.body.seq as number[])[0] ?? 0));
    assert.deepEqual(between, [], 'no event for the echo');
  });

  test('an echo that overtakes the send’s answer takes over the pending reply with the same text', async () => {
    const first = await webhook(
      cloudBody(messagesValue({ phoneNumberId: PNID, from: CUSTOMER, name: 'Ana' })),
    );
    const conversationId = String(first.body.conversation_id);
    const token = await t.token(TENANT, { user: 'agent-1' });
    const held = sim.hold(CLOUD_SEND);
    const before = sim.requests(CLOUD_SEND).length;
    const r = await t.post(
      `/api/conversations/${conversationId}/messages`,
      { text: 'Ya salió su pedido' },
      { authorization: `Bearer ${token}` },
    );
    const id = String((r.body.message as { id: string }).id);
    await sim.waitForRequests(CLOUD_SEND, before + 1);
    const wamid = String(cloud.sent.at(-1)?.id);
    const echo = await webhook(echoBody({ id: wamid, type: 'text', text: { body: 'Ya salió su pedido' } }));
    assert.deepEqual([echo.body.outcome, echo.body.message_id, echo.body.echo], ['duplicate', id, true]);
    held.release();
    await socket.next(
      (f: Frame) => f.type === 'message_status' && f.message_id === id && f.status === 'sent',
    );
    const rows = await t.node.store.db
      .selectFrom('messages')
      .select('id')
      .where('provider_message_id', '=', wamid)
      .execute();
    assert.deepEqual(
      rows.map((x) => x.id),
      [id],
    );
  });

  test('edits and deletions echoed from the app are recorded, not stored as messages', async () => {
    for (const [type, part] of [
      ['revoke', { revoke: { original_message_id: 'wamid.ORIGINAL1' } }],
      ['edit', { edit: { original_message_id: 'wamid.ORIGINAL1', text: { body: 'nuevo' } } }],
    ] as const) {
      const r = await webhook(echoBody({ id: `wamid.ECHO-${type}`, type, ...part }));
      assert.deepEqual([r.status, r.body.outcome], [200, 'ignored'], type);
      assert.match(String(r.body.reason), new RegExp(`echo of an? ${type === 'edit' ? 'edit' : 'deletion'}`));
    }
  });

  test('parseEcho: the customer is `to` (or its BSUID), never the business in `from`', () => {
    const at = Date.now();
    const item = parseEcho(
      { from: '15550783881', to: '16505551234', id: 'w1', type: 'text', text: { body: 'hi' } },
      at,
    );
    assert.equal(item.kind === 'message' ? item.message.party.phone : item.kind, '+16505551234');
    const bsuid = parseEcho(
      {
        from: '15550783881',
        to: '',
        to_user_id: 'US.13491208655302741918',
        id: 'w2',
        type: 'text',
        text: { body: 'x' },
      },
      at,
    );
    assert.equal(
      bsuid.kind === 'message' ? bsuid.message.party.userId : bsuid.kind,
      'US.13491208655302741918',
    );
    const none = parseEcho({ from: '15550783881', id: 'w3', type: 'text', text: { body: 'x' } }, at);
    assert.deepEqual(
      [none.kind, none.kind === 'invalid' ? none.reason : ''],
      ['invalid', '"to" has no usable phone number'],
    );
  });
});

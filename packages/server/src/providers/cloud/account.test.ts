/**
 * Cloud API account trouble as the state of a number (#12), over real HTTP
 * against a real node and the provider simulator: `account_update` closes
 * the numbers it names, `phone_number_quality_update` notes a restriction and
 * keeps the state, and a send refused for a dead token (Graph code 190) or a
 * locked account (131031) closes the number. Nothing re-opens it but a check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InstanceStatusPayload } from '@newton/protocol';
import {
  accountUpdateBody,
  CLOUD_DISPLAY_NUMBER,
  cloudBody,
  messagesValue,
  qualityUpdateBody,
} from '../../../testing/cloud-fixtures.js';
import { postCloudWebhook, startSimulatedCloud } from '../../../testing/cloud-node.js';
import {
  eventually,
  type Frame,
  type HttpResult,
  type TestNewton,
  type TestSocket,
} from '../../../testing/harness.js';
import { CLOUD_SEND, type CloudSim, graphErrorBody } from '../../../testing/provider-simulator/cloud.js';
import type { ProviderSimulator } from '../../../testing/provider-simulator/server.js';
import type { WebhookReceipt } from '../../core/index.js';

const TENANT = 'acme';
const OTHER = 'beta';
const SECRET = 'app-secret-acme-2b3c4d';
const OTHER_SECRET = 'app-secret-beta-5e6f7a';
/** Each test gets its own number: phone_number_id, display number and token. */
let counter = 0;

let t: TestNewton;
let sim: ProviderSimulator;
let cloud: CloudSim;
let socket: TestSocket;
let otherSocket: TestSocket;
const tokens: Record<string, string> = {};
let close: () => Promise<void>;

before(async () => {
  for (let n = 1; n <= 24; n++) tokens[pnidOf(n)] = `EAAG-token-${n}`;
  ({ t, sim, cloud, close } = await startSimulatedCloud({ numbers: tokens, tenants: [TENANT, OTHER] }));
  socket = await t.connect(TENANT);
  otherSocket = await t.connect(OTHER);
});
after(() => close());

function pnidOf(n: number): string {
  return `1065403522${String(n).padStart(5, '0')}`;
}

/** A fresh Cloud number of `tenant`, with its own display number (the first is Meta's example's). */
async function number(tenant = TENANT): Promise<{ id: string; pnid: string; digits: string }> {
  const n = ++counter;
  const pnid = pnidOf(n);
  const digits = n === 1 ? CLOUD_DISPLAY_NUMBER : `1555078${String(3900 + n)}`;
  const i = await t.addInstance({
    tenantId: tenant,
    provider: 'cloud',
    name: pnid,
    number: digits,
    apikey: tokens[pnid] as string,
    appSecret: tenant === TENANT ? SECRET : OTHER_SECRET,
    verifyToken: `vt-${n}`,
    baseUrl: cloud.graphUrl,
  });
  return { id: i.id, pnid, digits };
}

const statusOn = (s: TestSocket, id: string, match: (p: InstanceStatusPayload) => boolean): Promise<Frame> =>
  s.next(
    (f) =>
      f.type === 'instance_status' &&
      (f.instance as InstanceStatusPayload).id === id &&
      match(f.instance as InstanceStatusPayload),
  );

async function receiptsOf(res: HttpResult): Promise<WebhookReceipt[]> {
  return (await t.node.store.receipts.list({ limit: 1000 })).filter((r) => r.traceId === res.body.trace_id);
}

const stateOf = async (id: string) => t.node.store.instances.get(id);
const lastSeq = async (tenant = TENANT) => (await t.node.store.logState(tenant))?.lastSeq ?? 0;

describe('Cloud API account webhooks', () => {
  test('account_update ACCOUNT_RESTRICTION closes the number it names (account_restricted), routed, not unroutable', async () => {
    const n = await number();
    const other = await number(OTHER);
    const body = accountUpdateBody({
      event: 'ACCOUNT_RESTRICTION',
      phoneNumber: n.digits,
      extra: {
        restriction_info: [
          { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: '2026-12-12T07:09:27.000Z' },
        ],
      },
    });
    const res = await postCloudWebhook(t, body, SECRET);
    assert.deepEqual([res.status, res.body.outcome], [200, 'account'], JSON.stringify(res.body));
    const f = await statusOn(socket, n.id, (p) => p.state === 'close');
    const p = f.instance as InstanceStatusPayload;
    assert.equal(p.reason, 'account_restricted');
    assert.match(String(p.detail), /RESTRICTED_BIZ_INITIATED_MESSAGING until 2026-12-12/);
    assert.match(String(p.detail), /WhatsApp Manager/);
    const [r, ...more] = await receiptsOf(res);
    assert.equal(more.length, 0);
    assert.deepEqual(
      [r?.outcome, r?.event, r?.tenantId, r?.instanceId, r?.reason],
      ['account', 'account_update', TENANT, n.id, 'ACCOUNT_RESTRICTION: state close (account_restricted)'],
    );
    assert.equal((await stateOf(other.id))?.state, 'unknown', "the other tenant's number is untouched");
    assert.ok(!otherSocket.frames.some((x) => x.type === 'instance_status'), 'nothing on the other tenant');
    // The same again: a receipt, no second event.
    const seq = await lastSeq();
    const again = await postCloudWebhook(t, body, SECRET);
    assert.deepEqual([again.body.outcome, again.body.seq], ['account', []]);
    assert.match(String(again.body.reason), /already known/);
    assert.equal(await lastSeq(), seq);
  });

  test('account_update ACCOUNT_VIOLATION names the violation', async () => {
    const n = await number();
    const body = accountUpdateBody({
      event: 'ACCOUNT_VIOLATION',
      phoneNumber: `+${n.digits}`,
      extra: { violation_info: { violation_type: 'SCAM' } },
    });
    assert.equal((await postCloudWebhook(t, body, SECRET)).body.outcome, 'account');
    const f = await statusOn(socket, n.id, (p) => p.state === 'close');
    assert.equal((f.instance as InstanceStatusPayload).reason, 'account_restricted');
    assert.match(String((f.instance as InstanceStatusPayload).detail), /policy violation .*\(SCAM\)/);
  });

  test('an account webhook signed with another app secret is 401 and closes nothing', async () => {
    const n = await number();
    const body = accountUpdateBody({ event: 'ACCOUNT_VIOLATION', phoneNumber: n.digits });
    const res = await postCloudWebhook(t, body, 'not-the-app-secret');
    assert.equal(res.status, 401);
    assert.equal((await stateOf(n.id))?.state, 'unknown');
  });

  test('DISABLED_UPDATE names only the WABA: an account webhook (never unroutable), with how to route it', async () => {
    const body = accountUpdateBody({
      event: 'DISABLED_UPDATE',
      wabaId: '987654321098765',
      extra: { ban_info: { waba_ban_state: 'DISABLE', waba_ban_date: 'May 28, 2025' } },
    });
    const res = await postCloudWebhook(t, body, SECRET);
    assert.deepEqual([res.status, res.body.outcome], [200, 'account']);
    assert.match(String(res.body.reason), /WhatsApp Business Account 987654321098765 names no phone number/);
  });

  /** A message webhook of `pnid` whose entry names WhatsApp Business Account `waba`. */
  const messageOfAccount = (pnid: string, waba: string, from: string) => ({
    object: 'whatsapp_business_account',
    entry: [
      { id: waba, changes: [{ field: 'messages', value: messagesValue({ phoneNumberId: pnid, from }) }] },
    ],
  });

  test('ACCOUNT_DELETED naming only the WABA closes every number of that account Newton has had a message webhook of, and no other', async () => {
    const waba = '431900000000101';
    const a = await number();
    const b = await number();
    const elsewhere = await number();
    // Before any message of the account, Newton cannot know its numbers.
    const deleted = accountUpdateBody({ event: 'ACCOUNT_DELETED', wabaId: waba });
    const early = await postCloudWebhook(t, deleted, SECRET);
    assert.deepEqual([early.status, early.body.outcome], [200, 'account']);
    assert.match(String(early.body.reason), /no Cloud API instance is known to belong to that account yet/);
    for (const [n, w, from] of [
      [a, waba, '573001230101'],
      [b, waba, '573001230102'],
      [elsewhere, '431900000000999', '573001230103'],
    ] as const) {
      const r = await postCloudWebhook(t, messageOfAccount(n.pnid, w, from), SECRET);
      assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
    }
    const res = await postCloudWebhook(t, deleted, SECRET);
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'batch', JSON.stringify(res.body));
    for (const n of [a, b]) {
      const f = await statusOn(socket, n.id, (p) => p.state === 'close');
      assert.equal((f.instance as InstanceStatusPayload).reason, 'account_disabled');
      assert.match(
        String((f.instance as InstanceStatusPayload).detail),
        /Meta deleted the WhatsApp Business Account of number \+/,
      );
    }
    const receipts = await receiptsOf(res);
    assert.deepEqual(
      receipts.map((r) => [r.outcome, r.instanceId]).sort(),
      [
        ['account', a.id],
        ['account', b.id],
      ].sort(),
    );
    assert.equal(
      (await stateOf(elsewhere.id))?.state,
      'unknown',
      'a number of another account stays as it was',
    );
    assert.ok(!otherSocket.frames.some((x) => x.type === 'instance_status'), 'nothing on the other tenant');
  });

  test('a WABA-only account webhook signed with another app secret is 401 and closes nothing', async () => {
    const waba = '431900000000202';
    const n = await number();
    await postCloudWebhook(t, messageOfAccount(n.pnid, waba, '573001230201'), SECRET);
    const res = await postCloudWebhook(
      t,
      accountUpdateBody({ event: 'ACCOUNT_DELETED', wabaId: waba }),
      OTHER_SECRET,
    );
    assert.equal(res.status, 401);
    assert.equal((await stateOf(n.id))?.state, 'unknown');
  });

  test("PARTNER_REMOVED and ACCOUNT_OFFBOARDED close the account's numbers: account_unshared, saying how to share it again", async () => {
    for (const [event, waba] of [
      ['PARTNER_REMOVED', '431900000000301'],
      ['ACCOUNT_OFFBOARDED', '431900000000302'],
    ] as const) {
      const n = await number();
      await postCloudWebhook(t, messageOfAccount(n.pnid, waba, `57300123${waba.slice(-4)}`), SECRET);
      const res = await postCloudWebhook(t, accountUpdateBody({ event, wabaId: waba }), SECRET);
      assert.deepEqual([res.status, res.body.outcome], [200, 'account'], JSON.stringify(res.body));
      const f = await statusOn(socket, n.id, (p) => p.state === 'close');
      const p = f.instance as InstanceStatusPayload;
      assert.equal(p.reason, 'account_unshared');
      assert.match(
        String(p.detail),
        new RegExp(`no longer shared with the app whose token Newton uses \\(${event}\\): share it again`),
      );
    }
  });

  test('phone_number_quality_update FLAGGED keeps the state and notes it; UNFLAGGED removes the note', async () => {
    const n = await number();
    // A check found the number open (the active check is another part of #12).
    await t.node.instanceStates.record(
      { tenantId: TENANT, instanceId: n.id, state: 'open', at: Date.now(), source: 'check' },
      'test-check',
    );
    await statusOn(socket, n.id, (p) => p.state === 'open');
    const flagged = await postCloudWebhook(
      t,
      qualityUpdateBody({ event: 'FLAGGED', displayPhoneNumber: n.digits, limit: 'TIER_250' }),
      SECRET,
    );
    assert.deepEqual([flagged.status, flagged.body.outcome], [200, 'account'], JSON.stringify(flagged.body));
    const noted = await statusOn(socket, n.id, (p) => p.detail !== null);
    const p = noted.instance as InstanceStatusPayload;
    assert.deepEqual([p.state, p.reason, noted.previous_state], ['open', null, 'open']);
    assert.match(String(p.detail), /^Message quality: Meta flagged number \+\d+ .*\(limit TIER_250\): /);
    const unflagged = await postCloudWebhook(
      t,
      qualityUpdateBody({ event: 'UNFLAGGED', displayPhoneNumber: n.digits }),
      SECRET,
    );
    assert.equal(unflagged.body.outcome, 'account');
    await statusOn(socket, n.id, (x) => x.state === 'open' && x.detail === null);
    // Other quality news changes nothing.
    const seq = await lastSeq();
    const upgrade = await postCloudWebhook(
      t,
      qualityUpdateBody({ event: 'UPGRADE', displayPhoneNumber: n.digits }),
      SECRET,
    );
    assert.deepEqual([upgrade.status, upgrade.body.outcome, upgrade.body.seq], [200, 'account', []]);
    assert.equal(await lastSeq(), seq);
  });

  test('a Cloud message webhook notes the webhook time', async () => {
    const n = await number();
    const res = await postCloudWebhook(
      t,
      cloudBody(messagesValue({ phoneNumberId: n.pnid, from: '573001230001' })),
      SECRET,
    );
    assert.equal(res.body.outcome, 'accepted');
    await eventually(async () => Boolean((await stateOf(n.id))?.last_webhook_at));
  });
});

describe('Cloud API send errors that close the number', () => {
  /** A customer message (opens the 24 h window); returns its conversation id. */
  async function inbound(pnid: string, from: string): Promise<string> {
    const r = await postCloudWebhook(t, cloudBody(messagesValue({ phoneNumberId: pnid, from })), SECRET);
    assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
    return String(r.body.conversation_id);
  }

  async function reply(conversationId: string, text: string): Promise<string> {
    const r = await t.post(
      `/api/conversations/${conversationId}/messages`,
      { text },
      { authorization: `Bearer ${await t.token(TENANT, { user: 'agent-1' })}` },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return String((r.body.message as { id: string }).id);
  }

  const failedFrame = (id: string) => (f: Frame) =>
    f.type === 'message_status' && f.message_id === id && f.status === 'failed';

  test('Graph code 190 (expired token) fails the reply and closes the number: token_invalid; a later send does not re-open it', async () => {
    const n = await number();
    const conv = await inbound(n.pnid, '573001230002');
    sim.fail((req) => req.route === CLOUD_SEND && req.params.phoneNumberId === n.pnid, {
      kind: 'status',
      ...graphErrorBody(
        401,
        'Error validating access token: Session has expired on Tuesday, 01-Dec-26 10:00:00 PST. The current time is Wednesday, 02-Dec-26 08:00:00 PST.',
        190,
        463,
      ),
    });
    const id = await reply(conv, 'Hola');
    const failed = await socket.next(failedFrame(id));
    assert.equal((failed.error as { code: string }).code, 'provider_unauthorized');
    const f = await statusOn(socket, n.id, (p) => p.state === 'close');
    const p = f.instance as InstanceStatusPayload;
    assert.equal(p.reason, 'token_invalid');
    assert.match(String(p.detail), /code 190: expired\): create a new access token/);

    // The token works again: the send succeeds, a message arrives, and the number stays closed.
    const ok = await reply(conv, 'Segundo intento');
    await socket.next((x) => x.type === 'message_status' && x.message_id === ok && x.status === 'sent');
    await inbound(n.pnid, '573001230003');
    const held = await stateOf(n.id);
    assert.deepEqual([held?.state, held?.reason], ['close', 'token_invalid']);
  });

  test('Graph code 131031 (account locked) closes the number: account_restricted', async () => {
    const n = await number();
    const conv = await inbound(n.pnid, '573001230004');
    sim.fail((req) => req.route === CLOUD_SEND && req.params.phoneNumberId === n.pnid, {
      kind: 'status',
      ...graphErrorBody(400, 'Business account has been locked.', 131031),
    });
    const id = await reply(conv, 'Hola');
    await socket.next(failedFrame(id));
    const f = await statusOn(socket, n.id, (p) => p.state === 'close');
    assert.equal((f.instance as InstanceStatusPayload).reason, 'account_restricted');
  });
});

/**
 * Evolution session webhooks over real HTTP against a real node (#12):
 * `connection.update`, `qrcode.updated`, `status.instance`, `logout.instance`
 * and `remove.instance` become the instance's state, an `instance_status`
 * event on every socket of its tenant (and no other), `GET /api/instances`
 * and the `newton_instance_state` gauge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InstanceStatusPayload } from '@newton/protocol';
import {
  connectionUpdateBody,
  logoutInstanceBody,
  qrcodeUpdatedBody,
  removeInstanceBody,
  statusInstanceBody,
} from '../../../testing/evolution-connection-fixtures.js';
import {
  eventually,
  type Frame,
  type HttpResult,
  TestNewton,
  type TestSocket,
} from '../../../testing/harness.js';
import type { WebhookReceipt } from '../../core/index.js';

const TENANT = 'acme';
const OTHER = 'beta';
const APIKEY = 'ak-5e1f0c2e9b8a4f3d';
const SECRET = 'ws-8b9e2a7c5d1f4e8a';
const OTHER_APIKEY = 'ak-other-77a1';

let t: TestNewton;
let sockets: TestSocket[];
let otherSocket: TestSocket;
let counter = 0;

before(async () => {
  t = await TestNewton.start();
  await t.addTenant(TENANT);
  await t.addTenant(OTHER);
  sockets = [await t.connect(TENANT), await t.connect(TENANT)];
  otherSocket = await t.connect(OTHER);
});
after(() => t.close());

/** A fresh instance of `tenant` (own number, apikey and webhook secret), so each test starts from `unknown`. */
async function instance(tenant = TENANT): Promise<{ name: string; id: string; number: string }> {
  const n = ++counter;
  const name = `loja-${tenant}-${n}`;
  const number = `55119876${String(n).padStart(5, '0')}`;
  const apikey = tenant === TENANT ? APIKEY : OTHER_APIKEY;
  const i = await t.addInstance({ tenantId: tenant, name, number, apikey, webhookSecret: SECRET });
  return { name, id: i.id, number };
}

/** Posts an Evolution webhook with the instance's apikey in the body, as Evolution sends it when exposed. */
function post(body: Record<string, unknown>, apikey = APIKEY): Promise<HttpResult> {
  return t.evolution({ ...body, apikey });
}

/** The `instance_status` frame on `s` for instance `id` in state `state`. */
const statusOn = (s: TestSocket, id: string, state: string): Promise<Frame> =>
  s.next(
    (f) =>
      f.type === 'instance_status' &&
      (f.instance as InstanceStatusPayload).id === id &&
      (f.instance as InstanceStatusPayload).state === state,
  );

const instanceOf = (f: Frame) => f.instance as InstanceStatusPayload;

async function receiptOf(res: HttpResult): Promise<WebhookReceipt> {
  const all = await t.node.store.receipts.list({ limit: 1000 });
  const r = all.find((x) => x.traceId === res.body.trace_id);
  assert.ok(r, `a receipt for trace ${String(res.body.trace_id)}`);
  return r;
}

const lastSeq = async (tenant = TENANT) => (await t.node.store.logState(tenant))?.lastSeq ?? 0;

async function listed(token: string): Promise<InstanceStatusPayload[]> {
  const res = await t.get('/api/instances', token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items as InstanceStatusPayload[];
}

describe('Evolution session webhooks', () => {
  test('connection.update close (401) reaches every socket of the tenant as instance_status, and no other tenant', async () => {
    const i = await instance();
    const opened = await post(connectionUpdateBody({ instance: i.name, state: 'open', sender: i.number }));
    assert.deepEqual(
      [opened.status, opened.body.outcome, opened.body.reason],
      [200, 'accepted', 'connection open'],
    );
    for (const s of sockets) await statusOn(s, i.id, 'open');

    const res = await post(
      connectionUpdateBody({ instance: i.name, state: 'close', statusReason: 401, sender: i.number }),
    );
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.reason],
      [200, 'accepted', 'state close (logged_out)'],
    );
    for (const s of sockets) {
      const f = await statusOn(s, i.id, 'close');
      assert.equal(f.previous_state, 'open');
      const payload = instanceOf(f);
      assert.equal(payload.reason, 'logged_out');
      assert.equal(payload.number, `+${i.number}`);
      assert.equal(
        payload.detail,
        `WhatsApp logged this number out: scan a new QR code in Evolution for instance ${i.name}`,
      );
    }
    const r = await receiptOf(res);
    assert.deepEqual(
      [r.outcome, r.event, r.tenantId, r.instanceId],
      ['accepted', 'connection.update', TENANT, i.id],
    );

    // Another tenant's socket: a sentinel of its own arrives, and nothing of acme's before it.
    const b = await instance(OTHER);
    await post(connectionUpdateBody({ instance: b.name, state: 'open' }), OTHER_APIKEY);
    await statusOn(otherSocket, b.id, 'open');
    const leaked = otherSocket.frames.filter(
      (f) => f.type === 'instance_status' && instanceOf(f).id !== b.id,
    );
    assert.deepEqual(leaked, [], "no instance_status of another tenant's instance");
  });

  test('the same close again writes a receipt but no second event', async () => {
    const i = await instance();
    const body = connectionUpdateBody({ instance: i.name, state: 'close', statusReason: 401 });
    const first = await post(body);
    assert.equal(first.body.outcome, 'accepted');
    const seq = await lastSeq();
    const again = await post(body);
    assert.deepEqual([again.status, again.body.outcome], [200, 'duplicate']);
    assert.equal(again.body.reason, 'state close (logged_out), already known');
    assert.equal(await lastSeq(), seq, 'no event appended');
    const r = await receiptOf(again);
    assert.deepEqual([r.outcome, r.instanceId], ['duplicate', i.id]);
    // status.instance and logout.instance tell the same logout: nothing new either.
    for (const b of [
      statusInstanceBody({ instance: i.name, code: 401 }),
      logoutInstanceBody({ instance: i.name }),
    ]) {
      assert.equal((await post(b)).body.outcome, 'duplicate');
    }
    assert.equal(await lastSeq(), seq);
  });

  test('qrcode.updated before the first open (no sender) routes by instance: close, qr_required', async () => {
    const i = await instance();
    const body = qrcodeUpdatedBody({ instance: i.name });
    assert.equal(body.sender, undefined);
    const res = await post(body);
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.reason],
      [200, 'accepted', 'state close (qr_required)'],
    );
    const f = await statusOn(sockets[0] as TestSocket, i.id, 'close');
    assert.equal(instanceOf(f).reason, 'qr_required');
    assert.equal(f.previous_state, null, 'first state Newton knows');
    assert.match(
      String(instanceOf(f).detail),
      new RegExp(`scan the QR code in Evolution's manager for instance ${i.name}$`),
    );
  });

  test('open after a QR code: state open, reason and detail null', async () => {
    const i = await instance();
    await post(qrcodeUpdatedBody({ instance: i.name }));
    await post(connectionUpdateBody({ instance: i.name, state: 'connecting' }));
    await post(connectionUpdateBody({ instance: i.name, state: 'open', sender: i.number }));
    const f = await statusOn(sockets[1] as TestSocket, i.id, 'open');
    assert.deepEqual(
      [instanceOf(f).reason, instanceOf(f).detail, f.previous_state],
      [null, null, 'connecting'],
    );
  });

  const mapped: [string, Record<string, unknown>, string][] = [
    ['connection.update close 440', connectionUpdateBody({ state: 'close', statusReason: 440 }), 'replaced'],
    [
      'connection.update close 402',
      connectionUpdateBody({ state: 'close', statusReason: 402 }),
      'banned_temporarily',
    ],
    ['connection.update close 406', connectionUpdateBody({ state: 'close', statusReason: 406 }), 'banned'],
    [
      'connection.update close 515',
      connectionUpdateBody({ state: 'close', statusReason: 515 }),
      'restart_required',
    ],
    [
      'connection.update close 999',
      connectionUpdateBody({ state: 'close', statusReason: 999 }),
      'disconnected',
    ],
    ['connection.update refused', connectionUpdateBody({ state: 'refused', statusReason: 428 }), 'qr_limit'],
    ['qrcode.updated at the QR code limit', qrcodeUpdatedBody({ limit: true }), 'qr_limit'],
    ['status.instance closed 403', statusInstanceBody({ code: 403 }), 'forbidden'],
    ['logout.instance', logoutInstanceBody(), 'logged_out'],
    ['remove.instance', removeInstanceBody(), 'instance_removed'],
  ];
  for (const [name, body, reason] of mapped) {
    test(`${name} → close (${reason}) with an operator sentence`, async () => {
      const i = await instance();
      const res = await post({ ...body, instance: i.name });
      assert.deepEqual(
        [res.status, res.body.outcome, res.body.reason],
        [200, 'accepted', `state close (${reason})`],
      );
      const f = await statusOn(sockets[0] as TestSocket, i.id, 'close');
      assert.equal(instanceOf(f).reason, reason);
      assert.match(String(instanceOf(f).detail), /: /, 'what happened: what to do');
      assert.ok(String(instanceOf(f).detail).includes(i.name), 'the detail names the instance');
    });
  }

  test('status.instance dates the state from disconnectionAt', async () => {
    const i = await instance();
    const at = new Date(Date.now() - 60_000);
    await post(statusInstanceBody({ instance: i.name, code: 401, at }));
    const f = await statusOn(sockets[0] as TestSocket, i.id, 'close');
    assert.equal(instanceOf(f).since, at.toISOString());
  });

  test('a connection.update with no state is 400 with a clear reason and changes nothing', async () => {
    const i = await instance();
    const body = connectionUpdateBody({ instance: i.name, state: 'close', statusReason: 401 });
    delete (body.data as Record<string, unknown>).state;
    const seq = await lastSeq();
    const res = await post(body);
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.error, res.body.reason],
      [400, 'rejected', 'invalid_webhook', 'connection.update without "data.state"'],
    );
    assert.equal(await lastSeq(), seq, 'no event');
    assert.equal((await t.node.store.instances.get(i.id))?.state, 'unknown', 'state unchanged');
    assert.equal((await receiptOf(res)).outcome, 'rejected');
  });

  test('a session webhook with a wrong apikey is 401 and changes nothing', async () => {
    const i = await instance();
    const res = await post(
      connectionUpdateBody({ instance: i.name, state: 'close', statusReason: 401 }),
      'wrong',
    );
    assert.equal(res.status, 401);
    assert.equal((await t.node.store.instances.get(i.id))?.state, 'unknown');
  });

  test('GET /api/instances shows state and since, never a secret; each tenant sees only its own', async () => {
    const i = await instance();
    const b = await instance(OTHER);
    await post(connectionUpdateBody({ instance: i.name, state: 'close', statusReason: 440 }));
    // The webhook time is written beside the webhook's answer (fire and forget).
    await eventually(async () => Boolean((await t.node.store.instances.get(i.id))?.last_webhook_at));
    const res = await t.get('/api/instances', await t.token(TENANT));
    const text = JSON.stringify(res.body);
    for (const secret of [APIKEY, SECRET, OTHER_APIKEY])
      assert.ok(!text.includes(secret), 'no secret in the answer');
    const items = res.body.items as InstanceStatusPayload[];
    const mine = items.find((x) => x.id === i.id);
    assert.ok(mine);
    assert.deepEqual(
      [mine.state, mine.reason, mine.name, mine.provider],
      ['close', 'replaced', i.name, 'evolution'],
    );
    assert.ok(Date.parse(mine.since) > 0, 'since is an ISO time');
    assert.ok(mine.last_webhook_at, 'the webhook time is noted');
    for (const key of Object.keys(mine))
      assert.ok(!/apikey|secret|token/i.test(key), `no secret field (${key})`);
    assert.ok(
      items.every((x) => x.id !== b.id),
      "no other tenant's instance",
    );
    const theirs = await listed(await t.token(OTHER));
    assert.ok(theirs.some((x) => x.id === b.id));
    assert.ok(
      theirs.every((x) => x.name.startsWith(`loja-${OTHER}-`)),
      'beta sees only its own instances',
    );
    // A token for beta cannot read acme's instances by naming the tenant either.
    const cross = await t.get('/api/instances', await t.token(OTHER), { 'x-tenant-id': TENANT });
    assert.equal(cross.status, 403);
    assert.ok(!JSON.stringify(cross.body).includes(i.id));
  });

  test('a socket resuming with since gets the missed instance_status replayed', async () => {
    const i = await instance();
    const from = await lastSeq();
    await post(connectionUpdateBody({ instance: i.name, state: 'close', statusReason: 515 }));
    const back = await t.connect(TENANT, { since: from });
    const f = await statusOn(back, i.id, 'close');
    assert.equal(instanceOf(f).reason, 'restart_required');
    assert.ok(Number(f.seq) > from);
  });

  test('/metrics reports newton_instance_state: 1 for the current state, 0 for the others', async () => {
    const i = await instance();
    await post(connectionUpdateBody({ instance: i.name, state: 'open', sender: i.number }));
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const value = (state: string) => {
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('newton_instance_state{') &&
            l.includes(`instance="${i.name}"`) &&
            l.includes(`state="${state}"`),
        );
      assert.ok(line, `a newton_instance_state line for ${state}`);
      assert.match(line, new RegExp(`tenant="${TENANT}"`));
      assert.match(line, /provider="evolution"/);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    assert.deepEqual(['open', 'connecting', 'close', 'unknown'].map(value), [1, 0, 0, 0]);
  });
});

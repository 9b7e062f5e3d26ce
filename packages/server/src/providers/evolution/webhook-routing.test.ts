/**
 * Evolution webhooks over real HTTP against a real node (docs/api.md §1): by-events URLs, events that are
 * not handled, invalid and oversized bodies with their receipts, and routing by instance name and sender
 * number.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_INSTANCE, DEFAULT_OWN_NUMBER, upsertBody } from '../../../testing/evolution-fixtures.js';
import {
  APIKEY,
  answer,
  Fixture,
  nextPhone,
  type Obj,
  OTHER_NUMBER,
  OTHER_TENANT,
  SECRET,
  TENANT,
} from '../../../testing/evolution-webhook-node.js';

describe('Evolution webhook: routing and validation', () => {
  const f = new Fixture();

  test('by-events URL /webhooks/evolution/messages-upsert, with and without "event" in the body', async () => {
    const path = '/webhooks/evolution/messages-upsert';
    const withEvent = await f.accept(upsertBody({ from: nextPhone(), text: 'con evento' }), { path });
    const { event: _e, ...bare } = upsertBody({ from: nextPhone(), text: 'sin evento' });
    const without = await f.accept(bare, { path });
    assert.deepEqual([withEvent.message.content, without.message.content], ['con evento', 'sin evento']);
    await f.receipt(without.res, { event: 'messages.upsert', outcome: 'accepted' });
  });

  const contact = { remoteJid: `${nextPhone()}@s.whatsapp.net`, pushName: 'Ana', profilePicUrl: null };
  // Session events (connection.update…) are recorded as states: see connection.test.ts;
  // contact sync (contacts.upsert/update) and calls: lead-events.test.ts.
  const others: [string, unknown, string?][] = [
    // presence.update is customer typing (#15, presence.test.ts).
    ['chats.update', [{ id: contact.remoteJid, unreadCount: 1 }]],
    [
      'chats.upsert',
      [{ remoteJid: contact.remoteJid, unreadMessages: 1 }],
      '/webhooks/evolution/chats-upsert',
    ],
  ];
  for (const [event, data, path] of others) {
    test(`${event}${path ? ' on its by-events URL' : ''} is 200 ignored and recorded`, async () => {
      const body: Obj = { instance: DEFAULT_INSTANCE, data, sender: `${DEFAULT_OWN_NUMBER}@s.whatsapp.net` };
      if (!path) body.event = event;
      const res = await f.unchanged(() => f.post(body, path ? { path } : {}));
      const reason = `event ${event} is not handled`;
      assert.deepEqual(answer(res), [200, 'ignored', reason]);
      await f.receipt(res, { outcome: 'ignored', event, tenantId: TENANT, reason });
    });
  }

  const key = (b: Obj) => (b.data as Obj).key as Obj;
  const invalid: [string, (b: Obj) => void, string][] = [
    ['missing instance', (b) => delete b.instance, 'missing "instance"'],
    ['missing key', (b) => delete (b.data as Obj).key, 'missing "key"'],
    ['key not an object', (b) => ((b.data as Obj).key = 'abc'), '"key" must be an object'],
    ['missing key.id', (b) => delete key(b).id, 'missing "key.id"'],
    ['key.id a number', (b) => (key(b).id = 12345), '"key.id" must be a string'],
    ['key.remoteJid a number', (b) => (key(b).remoteJid = 573001), '"key.remoteJid" must be a string'],
    ['key.fromMe a string', (b) => (key(b).fromMe = 'false'), '"key.fromMe" must be a boolean'],
  ];
  for (const [name, mutate, reason] of invalid) {
    test(`${name} → 400 invalid_webhook, recorded as rejected without the apikey`, async () => {
      const body = upsertBody({ from: nextPhone(), apikey: APIKEY }) as unknown as Obj;
      mutate(body);
      const res = await f.unchanged(() => f.post(body));
      assert.deepEqual([res.status, res.body.error, res.body.reason], [400, 'invalid_webhook', reason]);
      const r = await f.receipt(res, { outcome: 'rejected', reason });
      assert.match(r.bodyExcerpt ?? '', /"apikey":"\[redacted\]"/);
      assert.ok(!r.bodyExcerpt?.includes(APIKEY), 'the apikey never reaches the receipt');
    });
  }

  test('the ?token= secret echoed in "destination" is redacted without losing the rest of the excerpt', async () => {
    const body = upsertBody({ from: nextPhone(), remoteJid: '120363041234567890@g.us' });
    body.destination = `https://newton.test/webhooks/evolution?token=${SECRET}`; // Evolution echoes its webhook URL
    const res = await f.post(body, { path: `/webhooks/evolution?token=${SECRET}` });
    const r = await f.receipt(res, { outcome: 'ignored' });
    assert.ok(!r.bodyExcerpt?.includes(SECRET), `body_excerpt leaks the webhook secret: ${r.bodyExcerpt}`);
    assert.match(r.bodyExcerpt ?? '', /"server_url":"http:/, 'the fields after it remain');
  });

  test('an empty messages.upsert batch is 200 ignored and leaves a receipt (never a 500)', async () => {
    const body = { ...upsertBody(), data: [] };
    const res = await f.unchanged(() => f.post(body));
    assert.deepEqual([res.status, res.body.outcome], [200, 'ignored'], JSON.stringify(res.body));
    await f.receipt(res, { outcome: 'ignored', tenantId: TENANT });
  });

  test('non-JSON body → 400 with a JSON error body, recorded as rejected', async () => {
    const res = await f.unchanged(() => f.post('{"event":"messages.upsert", "instance": '));
    assert.deepEqual([res.status, res.body.error, typeof res.body.message], [400, 'invalid_json', 'string']);
    assert.match((await f.latestRejected())?.reason ?? '', /\(HTTP 400\)$/);
  });

  test('unknown instance → 202 unroutable, the receipt names it', async () => {
    const res = await f.unchanged(() => f.post(upsertBody({ instance: 'ghost', sender: '573009990000' })));
    const reason = 'unknown instance "ghost"';
    assert.deepEqual(answer(res), [202, 'unroutable', reason]);
    await f.receipt(res, { outcome: 'unroutable', reason, instanceName: 'ghost', tenantId: null });
  });

  test("unknown instance whose sender is another tenant's instance number names that instance", async () => {
    const body = upsertBody({ instance: 'beta-renamed', sender: OTHER_NUMBER });
    const res = await f.unchanged(() => f.post(body));
    assert.equal(res.status, 202);
    const reason = `unknown instance "beta-renamed"; its sender ${OTHER_NUMBER} is the number of instance "beta-wa" (tenant beta)`;
    await f.receipt(res, { outcome: 'unroutable', reason });
    // The hint is for operators: an unauthenticated caller does not learn which tenant owns a number.
    assert.equal(res.body.reason, 'unknown instance "beta-renamed"');
    assert.equal(await f.lastSeq(OTHER_TENANT), 0);
  });

  test('…also when the sender is the Brazilian 12-digit form of that number', async () => {
    const res = await f.post(upsertBody({ instance: 'br-renamed', sender: '552187650000' }));
    assert.equal(res.status, 202);
    const r = await f.receipt(res, { outcome: 'unroutable' });
    assert.match(String(r.reason), /"beta-br" \(tenant beta\)/);
  });

  test('sender differing from the instance number → 202 unroutable, nothing stored', async () => {
    const res = await f.unchanged(() => f.post(upsertBody({ from: nextPhone(), sender: OTHER_NUMBER })));
    assert.deepEqual([res.status, res.body.outcome], [202, 'unroutable']);
    const reason = `sender ${OTHER_NUMBER}@s.whatsapp.net is not the number ${DEFAULT_OWN_NUMBER} configured for instance "${DEFAULT_INSTANCE}" of tenant acme`;
    assert.equal(res.body.reason, reason);
    await f.receipt(res, { outcome: 'unroutable', reason, tenantId: TENANT });
  });

  test('sender with a device suffix, or in the Brazilian 12-digit form, matches the number', async () => {
    const device = upsertBody({ from: nextPhone() });
    device.sender = `${DEFAULT_OWN_NUMBER}:17@s.whatsapp.net`;
    await f.accept(device);
    await f.accept(upsertBody({ from: nextPhone(), sender: '551187654321' }));
  });
});

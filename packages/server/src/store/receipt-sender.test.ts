/**
 * Every receipt keeps the number its webhook came from (`sender_number`, E.164
 * digits): Evolution's `sender`, the Cloud API's `display_phone_number`,
 * accepted webhooks included — written by the message's own transaction (on
 * PostgreSQL the single-statement fast path). routedElsewhere() finds a
 * tenant's number accepted by another tenant's instance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cloudBody, messagesValue } from '../../testing/cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook } from '../../testing/cloud-node.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';

let newton: TestNewton;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('owner');
  await newton.addInstance({ tenantId: 'owner', name: 'owner-wa', number: '5511987654321', apikey: 'k-o' });
  await newton.addTenant('open');
  await newton.addInstance({ tenantId: 'open', name: 'open-wa', apikey: 'k-open' });
});
after(() => newton.close());

const byTrace = async (traceId: string) =>
  (await newton.node.store.receipts.list({ limit: 1000 })).filter((r) => r.traceId === traceId);

const post = (body: unknown, trace: string) => newton.evolution(body, { headers: { 'x-request-id': trace } });

describe('receipts keep the sender number', () => {
  test('Evolution: accepted, ignored, unroutable and unknown-instance receipts all carry it, normalised', async () => {
    // The Brazilian 8-digit JID form of +55 11 98765-4321: kept as the 9-digit E.164 digits.
    const sender = '551187654321';
    const cases: [unknown, string, number, string][] = [
      [
        upsertBody({ instance: 'open-wa', sender, apikey: 'k-open', id: 'SND1' }),
        'snd-accepted',
        200,
        'accepted',
      ],
      [
        { ...upsertBody({ instance: 'open-wa', sender, apikey: 'k-open' }), event: 'presence.update' },
        'snd-ignored',
        200,
        'ignored',
      ],
      [
        upsertBody({ instance: 'owner-wa', sender: '573014165044', apikey: 'k-o' }),
        'snd-mismatch',
        202,
        'unroutable',
      ],
      [upsertBody({ instance: 'nowhere-wa', sender }), 'snd-unknown', 202, 'unroutable'],
    ];
    for (const [body, trace, status, outcome] of cases) {
      assert.equal((await post(body, trace)).status, status, trace);
      const [r] = await byTrace(trace);
      assert.equal(r?.outcome, outcome, trace);
      assert.equal(r?.senderNumber, trace === 'snd-mismatch' ? '573014165044' : '5511987654321', trace);
    }
    // A duplicate of the accepted message keeps it too; a body without `sender` leaves it null.
    await post(upsertBody({ instance: 'open-wa', sender, apikey: 'k-open', id: 'SND1' }), 'snd-dup');
    assert.deepEqual(
      (await byTrace('snd-dup')).map((r) => [r.outcome, r.senderNumber]),
      [['duplicate', '5511987654321']],
    );
    await post(upsertBody({ instance: 'open-wa', sender: null, apikey: 'k-open' }), 'snd-none');
    assert.deepEqual(
      (await byTrace('snd-none')).map((r) => [r.outcome, r.senderNumber]),
      [['accepted', null]],
    );
  });

  test('Cloud API: display_phone_number is kept as the sender number', async () => {
    await newton.addTenant('cloudy');
    await addCloudNumber(newton, {
      tenantId: 'cloudy',
      phoneNumberId: '301234567890777',
      accessToken: 'EAAG-sender',
      appSecret: 'sender-secret',
    });
    const value = messagesValue({ phoneNumberId: '301234567890777' });
    (value.metadata as Record<string, unknown>).display_phone_number = '+1 555-078-3881';
    const res = await postCloudWebhook(newton, cloudBody(value), 'sender-secret');
    assert.equal(res.body.outcome, 'accepted');
    const receipts = await newton.node.store.receipts.list({ tenantId: 'cloudy' });
    assert.deepEqual(
      receipts.map((r) => [r.outcome, r.senderNumber]),
      [['accepted', '15550783881']],
    );
  });

  test("routedElsewhere: the owner's number taken by another tenant's instance, probes and its own left out", async () => {
    const since = Date.now() - 3_600_000;
    const elsewhere = await newton.node.store.receipts.routedElsewhere({
      tenantId: 'owner',
      numbers: ['5511987654321'],
      since,
    });
    // accepted, ignored and duplicate on open-wa; the unknown instance is unroutable and not counted.
    assert.deepEqual(
      elsewhere.map((r) => [r.senderNumber, r.tenantId, r.instanceName, r.count]),
      [['5511987654321', 'open', 'open-wa', 3]],
    );
    assert.ok(elsewhere[0] && elsewhere[0].lastAt >= since);
    // Asked as the tenant that took them: nothing (they are its own).
    assert.deepEqual(
      await newton.node.store.receipts.routedElsewhere({
        tenantId: 'open',
        numbers: ['5511987654321'],
        since,
      }),
      [],
    );
    // A probe-marked trace is not evidence.
    await post(upsertBody({ instance: 'open-wa', sender: '573001112233', apikey: 'k-open' }), 'probe-x-1');
    assert.deepEqual(
      await newton.node.store.receipts.routedElsewhere({
        tenantId: 'owner',
        numbers: ['573001112233'],
        since,
      }),
      [],
    );
    assert.deepEqual(
      await newton.node.store.receipts.routedElsewhere({ tenantId: 'owner', numbers: [], since }),
      [],
    );
  });
});

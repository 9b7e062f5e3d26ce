/**
 * WhatsApp Cloud API webhooks over real HTTP against a real node (docs/api.md
 * §1.4, §1.8): batches, duplicates, routing by phone_number_id,
 * tenant isolation, the body limit and receipts. Signatures: webhook-signature.test.ts;
 * the handshake: handshake.test.ts; message types: message-types.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cloudBody,
  messagesValue,
  metaJson,
  randomWamid,
  signedHeaders,
} from '../../../testing/cloud-fixtures.js';
import { CLOUD_A as A, CLOUD_B as B, newMessageFor, useCloudPair } from '../../../testing/cloud-pair.js';

type Obj = Record<string, unknown>;

// The 1 MiB limit makes a 413 cheap to provoke (the default is 64 MiB).
const cloud = useCloudPair({ webhookBodyLimit: 1024 * 1024 });

describe('POST /webhooks/whatsapp', () => {
  test('a batch of 3 entries stores 3 messages', async () => {
    const ids = [randomWamid(), randomWamid(), randomWamid()];
    const body = cloudBody(
      ...ids.map((id) =>
        messagesValue({
          phoneNumberId: A.pnid,
          from: cloud().nextPhone(),
          id,
          name: `Cliente ${id.slice(-4)}`,
        }),
      ),
    );
    const r = await cloud().post(body, A.secret);
    assert.equal(r.status, 200);
    assert.equal(r.body.outcome, 'batch');
    assert.deepEqual(
      (r.body.items as Obj[]).map((i) => i.outcome),
      ['accepted', 'accepted', 'accepted'],
    );
    for (const id of ids) {
      assert.equal((await cloud().messageRows(id)).length, 1);
      await newMessageFor(cloud().socketA, id);
    }
  });

  test('the same wamid twice makes one message and one event', async () => {
    const id = randomWamid();
    const body = cloudBody(messagesValue({ phoneNumberId: A.pnid, from: cloud().nextPhone(), id }));
    const first = await cloud().post(body, A.secret);
    const second = await cloud().post(body, A.secret);
    assert.equal(first.body.outcome, 'accepted');
    assert.equal(second.status, 200);
    assert.equal(second.body.outcome, 'duplicate');
    assert.equal(second.body.message_id, first.body.message_id);
    assert.equal((await cloud().messageRows(id)).length, 1);
    const events = await cloud()
      .t.node.store.db.selectFrom('events')
      .select('payload')
      .where('tenant_id', '=', A.tenant)
      .where('type', '=', 'new_message')
      .execute();
    assert.equal(events.filter((e) => e.payload.includes(id)).length, 1);
  });

  test('an unknown phone_number_id is answered 200 and recorded with its reason', async () => {
    const id = randomWamid();
    const body = cloudBody(
      messagesValue({ phoneNumberId: '999000111222333', from: cloud().nextPhone(), id }),
    );
    const r = await cloud().post(body, A.secret, { headers: { 'x-request-id': `unroutable-${id}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.outcome, 'unroutable');
    assert.match(String(r.body.reason), /unknown phone_number_id "999000111222333"/);
    assert.equal((await cloud().messageRows(id)).length, 0);
    const [receipt] = await cloud().receiptsOf(`unroutable-${id}`);
    assert.equal(receipt?.outcome, 'unroutable');
    assert.equal(receipt?.instanceName, '999000111222333');
    assert.ok(receipt?.bodyExcerpt?.includes(id));
  });

  test("each number's messages reach only its own tenant", async () => {
    const id = randomWamid();
    const r = await cloud().post(
      cloudBody(messagesValue({ phoneNumberId: B.pnid, from: cloud().nextPhone(), id })),
      B.secret,
    );
    assert.equal(r.body.outcome, 'accepted');
    await newMessageFor(cloud().socketB, id);
    const [row] = await cloud().messageRows(id);
    assert.equal(row?.tenant_id, B.tenant);
    assert.ok(
      !cloud().socketA.frames.some((f) => JSON.stringify(f).includes(id)),
      'not on the other tenant socket',
    );
  });

  test('a body over WEBHOOK_BODY_LIMIT is 413 and leaves a cloud receipt', async () => {
    const raw = metaJson(
      cloudBody(
        messagesValue({
          phoneNumberId: A.pnid,
          id: 'wamid.TOO-LARGE-1',
          content: { type: 'text', text: { body: 'x'.repeat(1_100_000) } },
        }),
      ),
    );
    const r = await cloud().t.post('/webhooks/whatsapp', raw, {
      ...signedHeaders(raw, A.secret),
      'x-request-id': 'too-large-1',
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.error, 'payload_too_large');
    const [receipt] = await cloud().receiptsOf('too-large-1');
    assert.equal(receipt?.provider, 'cloud');
    assert.equal(receipt?.outcome, 'rejected');
    // Read from the head of the body: whose number lost what.
    assert.deepEqual([r.body.provider, r.body.instance], ['cloud', A.pnid]);
    assert.deepEqual(
      [receipt?.instanceName, receipt?.tenantId, receipt?.providerMessageId],
      [A.pnid, A.tenant, 'wamid.TOO-LARGE-1'],
    );
  });
});

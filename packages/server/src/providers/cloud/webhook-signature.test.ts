/**
 * `X-Hub-Signature-256` of WhatsApp Cloud API webhooks over real HTTP
 * (docs/api.md §1.8): over the raw bytes as Meta escapes them and as raw UTF-8;
 * a forged, re-serialised, unsigned or other-app signature stores nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import {
  cloudBody,
  messagesValue,
  metaJson,
  randomWamid,
  signedHeaders,
} from '../../../testing/cloud-fixtures.js';
import { CLOUD_A as A, CLOUD_B as B, newMessageFor, useCloudPair } from '../../../testing/cloud-pair.js';
import { signBody } from './signature.js';

type Obj = Record<string, unknown>;

const cloud = useCloudPair();

describe('POST /webhooks/whatsapp: signatures', () => {
  test('Meta-escaped body with "Zoë Ñandú 🇨🇴": signature passes, name stored, new_message on the socket', async () => {
    const from = cloud().nextPhone();
    const id = randomWamid();
    const body = cloudBody(
      messagesValue({
        phoneNumberId: A.pnid,
        from,
        id,
        name: 'Zoë Ñandú 🇨🇴',
        content: { type: 'text', text: { body: '¿Tienen envío? ñ 🙂' } },
      }),
    );
    const raw = metaJson(body);
    assert.ok(raw.includes('Zo\\u00eb') && raw.includes('\\ud83c\\udde8'), 'escaped as Meta does');
    const r = await cloud().t.post('/webhooks/whatsapp', raw, signedHeaders(raw, A.secret));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'accepted');
    const frame = await newMessageFor(cloud().socketA, id);
    assert.deepEqual((frame.lead as Obj).name, 'Zoë Ñandú 🇨🇴');
    assert.equal((frame.lead as Obj).phone, `+${from}`);
    const m = frame.message as MessagePayload;
    assert.equal(m.content, '¿Tienen envío? ñ 🙂');
    assert.equal(m.provider, 'cloud');
    assert.equal(m.sender, 'lead');
    assert.equal(m.direction, 'inbound');
    assert.equal(m.type, 'text');
    const lead = await cloud()
      .t.node.store.db.selectFrom('leads')
      .selectAll()
      .where('phone', '=', `+${from}`)
      .executeTakeFirstOrThrow();
    assert.equal(lead.name, 'Zoë Ñandú 🇨🇴');
    assert.equal(lead.tenant_id, A.tenant);
  });

  test('the same body as raw UTF-8 passes as well', async () => {
    const id = randomWamid();
    const body = cloudBody(
      messagesValue({ phoneNumberId: A.pnid, from: cloud().nextPhone(), id, name: 'Zoë Ñandú 🇨🇴' }),
    );
    const r = await cloud().post(body, A.secret, { utf8: true });
    assert.equal(r.status, 200);
    assert.equal(r.body.outcome, 'accepted');
    const frame = await newMessageFor(cloud().socketA, id);
    assert.equal((frame.lead as Obj).name, 'Zoë Ñandú 🇨🇴');
  });

  test('a forged signature gets 401 and stores nothing but a receipt', async () => {
    const id = randomWamid();
    const body = cloudBody(messagesValue({ phoneNumberId: A.pnid, from: cloud().nextPhone(), id }));
    const forged = await cloud().post(body, 'not-the-app-secret', {
      headers: { 'x-request-id': `forged-${id}` },
    });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error, 'webhook_unauthorized');
    assert.equal((await cloud().messageRows(id)).length, 0);
    const [receipt] = await cloud().receiptsOf(`forged-${id}`);
    assert.equal(receipt?.outcome, 'rejected');
    assert.equal(receipt?.tenantId, A.tenant);

    // Signed over the UTF-8 form but sent escaped: the bytes differ, so the signature does too.
    const raw = metaJson(
      cloudBody(messagesValue({ phoneNumberId: A.pnid, from: cloud().nextPhone(), id, name: 'Zoë' })),
    );
    const reserialised = JSON.stringify(JSON.parse(raw));
    const r = await cloud().t.post('/webhooks/whatsapp', raw, {
      'content-type': 'application/json',
      'x-hub-signature-256': signBody(reserialised, A.secret),
    });
    assert.equal(r.status, 401);

    const unsigned = await cloud().t.post('/webhooks/whatsapp', metaJson(body));
    assert.equal(unsigned.status, 401);
    assert.match(String(unsigned.body.reason), /no X-Hub-Signature-256/);
    // Another tenant's app secret does not sign for this number.
    assert.equal((await cloud().post(body, B.secret)).status, 401);
    assert.equal((await cloud().messageRows(id)).length, 0);
  });
});

/**
 * Replies in context (issue #13 §4): a message that quotes another carries
 * `reply_to` — the quoted message's Newton id when Newton has it, its
 * provider id and the quoted snippet always — in `new_message` (once on
 * every socket of the tenant, none on another's) and in the REST thread.
 * Evolution (`data.contextInfo`) and Cloud API (`context`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { randomWamid } from '../../testing/cloud-fixtures.js';
import * as cloudQuoted from '../../testing/corpus/cloud-quoted-reply.js';
import * as evoQuoted from '../../testing/corpus/evolution-quoted-reply.js';
import { randomMessageId } from '../../testing/evolution-fixtures.js';
import type { Frame } from '../../testing/harness.js';
import { CLOUD, MessageChangeFixture, TENANT_A } from '../../testing/message-change-fixture.js';

let x: MessageChangeFixture;
before(async () => {
  x = await MessageChangeFixture.start();
});
after(() => x.close());

const newMessage = (id: string) => (f: Frame) =>
  f.type === 'new_message' && (f.message as MessagePayload).id === id;
const OWN = '573014165044';

describe('replies in context', () => {
  test('Evolution: a customer quoting the business message; its id, snippet and author everywhere', async () => {
    const from = x.f.nextPhone();
    await x.f.inbound(TENANT_A, { from, text: '¿Tienen el Galaxy S23?' });
    const quotedId = randomMessageId();
    const quoted = await x.f.inbound(TENANT_A, {
      from,
      id: quotedId,
      fromMe: true,
      text: 'Sí, en negro y verde',
    });
    const res = await x.f.webhook(
      TENANT_A,
      evoQuoted.body({
        instance: `${TENANT_A}-wa`,
        from,
        id: randomMessageId(),
        text: 'El verde por favor',
        quotedId,
        quotedText: 'Sí, en negro y verde',
        quotedAuthor: OWN,
      }),
    );
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    const id = String(res.body.message_id);
    const expected = {
      message_id: quoted.messageId,
      provider_message_id: quotedId,
      content: 'Sí, en negro y verde',
      sender: 'agent',
    };
    const [e] = await x.deliveredOnce(newMessage(id));
    assert.deepEqual((e?.message as MessagePayload | undefined)?.reply_to, expected);
    const stored = await x.stored(TENANT_A, String(res.body.conversation_id), id);
    assert.deepEqual([stored.content, stored.reply_to], ['El verde por favor', expected]);
  });

  test('Evolution: a quote of a message Newton never had keeps its provider id and snippet', async () => {
    const from = x.f.nextPhone();
    const quotedId = randomMessageId();
    const res = await x.f.webhook(
      TENANT_A,
      evoQuoted.body({
        instance: `${TENANT_A}-wa`,
        from,
        id: randomMessageId(),
        text: 'Esto que te dije ayer',
        quotedId,
        quotedText: 'Mañana paso por la tienda',
        quotedAuthor: from,
      }),
    );
    const id = String(res.body.message_id);
    const e = await x.a1.next(newMessage(id));
    assert.deepEqual((e.message as MessagePayload).reply_to, {
      message_id: null,
      provider_message_id: quotedId,
      content: 'Mañana paso por la tienda',
      sender: 'lead',
    });
  });

  test('Cloud API: context.id resolves to the stored message, its text filled from the store', async () => {
    const from = x.f.nextPhone();
    const quotedId = randomWamid();
    const quoted = await x.cloudText(TENANT_A, from, quotedId, '¿Hacen envíos a Cali?');
    const res = await x.cloud(
      TENANT_A,
      cloudQuoted.body({
        phoneNumberId: CLOUD[TENANT_A].pnid,
        from,
        id: randomWamid(),
        text: 'Y a Pereira?',
        quotedId,
        quotedFrom: from,
      }),
    );
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    const id = String(res.body.message_id);
    const expected = {
      message_id: quoted.messageId,
      provider_message_id: quotedId,
      content: '¿Hacen envíos a Cali?',
      sender: 'lead',
    };
    const [e] = await x.deliveredOnce(newMessage(id));
    assert.deepEqual((e?.message as MessagePayload | undefined)?.reply_to, expected);
    assert.deepEqual((await x.stored(TENANT_A, quoted.conversationId, id)).reply_to, expected);
  });
});

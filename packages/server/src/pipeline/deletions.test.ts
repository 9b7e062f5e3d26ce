/**
 * Deletions for everyone (issue #13 §5) through Evolution: `messages.delete`,
 * the REVOKE protocolMessage Evolution posts as `messages.edited`, and the
 * one older servers leave in `messages.upsert`. The message is kept with its
 * content (the tenant's record), marked `deleted_at`, and one seq'd
 * `message_deleted` reaches every socket of the tenant (the preview of a
 * deleted last message is cleared); a second report of the same deletion,
 * an unknown message and another tenant's instance change nothing. The
 * Cloud API posts no deletion webhook (providers/cloud/message-acts.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConversationState, MessagePayload } from '@newton/protocol';
import * as messagesDelete from '../../testing/corpus/evolution-messages-delete.js';
import * as revoke from '../../testing/corpus/evolution-revoke.js';
import { randomMessageId } from '../../testing/evolution-fixtures.js';
import type { Frame } from '../../testing/harness.js';
import { MessageChangeFixture, TENANT_A, TENANT_B } from '../../testing/message-change-fixture.js';

let x: MessageChangeFixture;
before(async () => {
  x = await MessageChangeFixture.start();
});
after(() => x.close());

const deletedOf = (id: string) => (f: Frame) => f.type === 'message_deleted' && f.message_id === id;
const instance = `${TENANT_A}-wa`;

describe('deletions', () => {
  test('messages.delete: kept with its content, marked deleted, once on every socket; REVOKE twin is a duplicate', async () => {
    const from = x.f.nextPhone();
    await x.f.inbound(TENANT_A, { from, text: 'Hola' });
    const id = randomMessageId();
    const { conversationId, messageId } = await x.f.inbound(TENANT_A, { from, id, text: 'Mi cédula es 123' });

    const res = await x.f.webhook(TENANT_A, messagesDelete.body({ instance, from, id }));
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.message_id, res.body.deletion],
      [200, 'accepted', messageId, true],
    );
    for (const s of [x.a1, x.a2]) {
      const e = await s.next(deletedOf(messageId));
      const m = e.message as MessagePayload;
      assert.deepEqual(
        [e.conversation_id, e.by, m.id, m.content],
        [conversationId, 'lead', messageId, 'Mi cédula es 123'],
      );
      assert.equal(m.deleted_at, e.deleted_at);
      const c = await s.next(
        (f) =>
          f.type === 'conversation_updated' &&
          (f.conversation as ConversationState).id === conversationId &&
          f.seq === (e.seq as number) + 1,
      );
      assert.equal((c.conversation as ConversationState).last_message_preview, null);
    }
    const stored = await x.stored(TENANT_A, conversationId, messageId);
    assert.equal(stored.content, 'Mi cédula es 123');
    assert.ok(stored.deleted_at);

    const twin = await x.f.webhook(TENANT_A, revoke.editedBody({ instance, from, id }));
    assert.deepEqual([twin.status, twin.body.outcome], [200, 'duplicate'], JSON.stringify(twin.body));
    assert.equal((await x.receipt(twin)).outcome, 'duplicate');
    await x.deliveredOnce(deletedOf(messageId));
    assert.equal((await x.f.messages(TENANT_A, conversationId)).length, 2);

    // An edit of a deleted message changes nothing.
    const edit = await x.f.webhook(TENANT_A, {
      event: 'messages.edited',
      instance,
      data: {
        key: { remoteJid: `${from}@s.whatsapp.net`, fromMe: false, id },
        type: 'MESSAGE_EDIT',
        editedMessage: { conversation: 'otra' },
      },
    });
    assert.equal(edit.body.outcome, 'ignored');
  });

  test('a REVOKE in messages.edited or messages.upsert deletes the business message; no message is created', async () => {
    const from = x.f.nextPhone();
    const { conversationId } = await x.f.inbound(TENANT_A, { from, text: 'Precio?' });
    const a = randomMessageId();
    const b = randomMessageId();
    const first = await x.f.inbound(TENANT_A, { from, id: a, fromMe: true, text: 'Son $100' });
    const second = await x.f.inbound(TENANT_A, { from, id: b, fromMe: true, text: 'Perdón, $90' });

    const edited = await x.f.webhook(TENANT_A, revoke.editedBody({ instance, from, id: a, fromMe: true }));
    assert.equal(edited.body.outcome, 'accepted', JSON.stringify(edited.body));
    const upserted = await x.f.webhook(
      TENANT_A,
      revoke.upsertRevokeBody({ instance, from, id: b, fromMe: true }),
    );
    assert.equal(upserted.body.outcome, 'accepted', JSON.stringify(upserted.body));
    const [e] = await x.deliveredOnce(deletedOf(first.messageId));
    assert.equal(e?.by, 'agent');
    await x.deliveredOnce(deletedOf(second.messageId));
    const messages = await x.f.messages(TENANT_A, conversationId);
    assert.equal(messages.length, 3);
    assert.ok((await x.stored(TENANT_A, conversationId, second.messageId)).deleted_at);
  });

  test('an unknown message, a malformed body and another tenant are answered without a change', async () => {
    const from = x.f.nextPhone();
    const unknown = await x.f.webhook(
      TENANT_A,
      messagesDelete.body({ instance, from, id: randomMessageId() }),
    );
    assert.deepEqual(
      [unknown.status, unknown.body.outcome, unknown.body.reason],
      [200, 'ignored', 'deletion of a message not known'],
    );
    assert.equal((await x.receipt(unknown)).outcome, 'ignored');
    const malformed = await x.f.webhook(TENANT_A, {
      event: 'messages.delete',
      instance,
      data: { status: 'DELETED' },
    });
    assert.equal(malformed.status, 400);

    const id = randomMessageId();
    const { conversationId, messageId } = await x.f.inbound(TENANT_A, { from, id, text: 'Solo de A' });
    const viaB = await x.f.webhook(TENANT_B, messagesDelete.body({ instance: `${TENANT_B}-wa`, from, id }));
    assert.equal(viaB.body.outcome, 'ignored');
    await x.deliveredOnce(deletedOf(messageId), 0);
    assert.equal((await x.stored(TENANT_A, conversationId, messageId)).deleted_at, undefined);
  });
});

/**
 * Reactions (issue #13 §3), Evolution and Cloud API: added, changed and
 * removed on the message they react to — `reactions` on the stored message
 * and one seq'd `message_reaction` per change on every socket of the tenant,
 * none on another tenant's; never a message row, never unread, never the
 * conversation's last message. Redeliveries and older reactions change
 * nothing; a reaction to an unknown message is answered `ignored` with a receipt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { randomWamid } from '../../testing/cloud-fixtures.js';
import * as cloudReaction from '../../testing/corpus/cloud-reaction.js';
import * as evoReaction from '../../testing/corpus/evolution-reaction.js';
import { randomMessageId } from '../../testing/evolution-fixtures.js';
import type { Frame } from '../../testing/harness.js';
import { CLOUD, MessageChangeFixture, TENANT_A, TENANT_B } from '../../testing/message-change-fixture.js';

let x: MessageChangeFixture;
before(async () => {
  x = await MessageChangeFixture.start();
});
after(() => x.close());

const reactionOf = (id: string) => (f: Frame) => f.type === 'message_reaction' && f.message_id === id;

describe('reactions', () => {
  test('Evolution: a customer reacts to the business message, changes and removes it; once on every socket', async () => {
    const from = x.f.nextPhone();
    const { conversationId } = await x.f.inbound(TENANT_A, { from, text: '¿Tienen el iPhone 13?' });
    const targetId = randomMessageId();
    const agent = await x.f.inbound(TENANT_A, { from, id: targetId, fromMe: true, text: 'Sí, en 128 GB' });
    const convBefore = await x.f.getJson(TENANT_A, `/api/conversations/${conversationId}`);
    const instance = `${TENANT_A}-wa`;
    const t0 = Date.now();
    const post = (emoji: string, atMs: number) =>
      x.f.webhook(TENANT_A, evoReaction.body({ instance, from, targetId, emoji, atMs }));

    const add = await post('👍', t0);
    assert.deepEqual([add.status, add.body.outcome, add.body.message_id], [200, 'accepted', agent.messageId]);
    for (const s of [x.a1, x.a2]) {
      const e = await s.next(reactionOf(agent.messageId));
      assert.deepEqual(
        [e.conversation_id, e.by, e.emoji, e.previous, e.reactions],
        [conversationId, 'lead', '👍', null, [{ by: 'lead', emoji: '👍', at: new Date(t0).toISOString() }]],
      );
    }
    assert.deepEqual((await x.stored(TENANT_A, conversationId, agent.messageId)).reactions, [
      { by: 'lead', emoji: '👍', at: new Date(t0).toISOString() },
    ]);

    const change = await post('❤️', t0 + 1000);
    assert.equal(change.body.outcome, 'accepted');
    const e2 = await x.a2.next((f) => reactionOf(agent.messageId)(f) && f.emoji === '❤️');
    assert.equal(e2.previous, '👍');
    const remove = await post('', t0 + 2000);
    assert.equal(remove.body.outcome, 'accepted');
    const e3 = await x.a1.next((f) => reactionOf(agent.messageId)(f) && f.emoji === null);
    assert.deepEqual([e3.previous, e3.reactions], ['❤️', []]);

    // A redelivered older reaction cannot bring the removed one back.
    const late = await post('👍', t0);
    assert.deepEqual([late.status, late.body.outcome], [200, 'duplicate']);
    assert.equal((await x.receipt(late)).outcome, 'duplicate');

    const frames = await x.deliveredOnce((f) => reactionOf(agent.messageId)(f) && f.emoji === '👍');
    assert.equal(frames.length, 1);
    await x.deliveredOnce((f) => reactionOf(agent.messageId)(f) && f.emoji === null);
    const seqs = x.a1
      .events()
      .filter(reactionOf(agent.messageId))
      .map((f) => f.seq as number);
    assert.equal(new Set(seqs).size, 3);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );

    // Never a message: no row, no new_message, unread and last message untouched.
    const stored = await x.stored(TENANT_A, conversationId, agent.messageId);
    assert.equal(stored.reactions, undefined);
    assert.equal(stored.content, 'Sí, en 128 GB');
    assert.equal((await x.f.messages(TENANT_A, conversationId)).length, 2);
    const convAfter = await x.f.getJson(TENANT_A, `/api/conversations/${conversationId}`);
    assert.deepEqual(
      [convAfter.unread_count, convAfter.last_message_id, convAfter.last_message_preview],
      [convBefore.unread_count, convBefore.last_message_id, convBefore.last_message_preview],
    );
    const rows = await x.f.t.node.store.db
      .selectFrom('messages')
      .select('type')
      .where('type', '=', 'reaction')
      .execute();
    assert.equal(rows.length, 0);
  });

  test('Evolution: the business reacting from the phone is an `agent` reaction beside the customer one', async () => {
    const from = x.f.nextPhone();
    const targetId = randomMessageId();
    const { conversationId, messageId } = await x.f.inbound(TENANT_A, {
      from,
      id: targetId,
      text: 'Gracias!',
    });
    const instance = `${TENANT_A}-wa`;
    const res = await x.f.webhook(
      TENANT_A,
      evoReaction.body({ instance, from, targetId, targetFromMe: false, emoji: '🙏', fromMe: true }),
    );
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    const e = await x.a1.next(reactionOf(messageId));
    assert.equal(e.by, 'agent');
    const stored = await x.stored(TENANT_A, conversationId, messageId);
    assert.deepEqual(
      stored.reactions?.map((r) => [r.by, r.emoji]),
      [['agent', '🙏']],
    );
  });

  test('Cloud API: add, change, remove (no emoji); once on every socket, nothing for the other tenant', async () => {
    const from = x.f.nextPhone();
    const targetId = randomWamid();
    const { conversationId, messageId } = await x.cloudText(TENANT_A, from, targetId, 'Me interesa el plan');
    const pnid = CLOUD[TENANT_A].pnid;
    const now = Math.floor(Date.now() / 1000);
    for (const [emoji, ts] of [
      ['😮', now],
      ['🎉', now + 1],
      [null, now + 2],
    ] as const) {
      const res = await x.cloud(
        TENANT_A,
        cloudReaction.body({ phoneNumberId: pnid, from, targetId, emoji, timestamp: ts }),
      );
      assert.deepEqual([res.status, res.body.outcome, res.body.message_id], [200, 'accepted', messageId]);
    }
    for (const emoji of ['😮', '🎉', null]) {
      await x.deliveredOnce((f) => reactionOf(messageId)(f) && f.emoji === emoji);
    }
    const stored = await x.stored(TENANT_A, conversationId, messageId);
    assert.equal(stored.reactions, undefined);
    assert.equal((await x.f.messages(TENANT_A, conversationId)).length, 1);
    const conv = await x.f.getJson(TENANT_A, `/api/conversations/${conversationId}`);
    assert.deepEqual([conv.unread_count, conv.last_message_id], [1, messageId]);
  });

  test('a reaction to an unknown message, or through the other tenant, is ignored with a receipt', async () => {
    const from = x.f.nextPhone();
    const unknown = await x.f.webhook(
      TENANT_A,
      evoReaction.body({ instance: `${TENANT_A}-wa`, from, targetId: randomMessageId(), emoji: '👍' }),
    );
    assert.deepEqual(
      [unknown.status, unknown.body.outcome, unknown.body.reason],
      [200, 'ignored', 'reaction to a message not known'],
    );
    const r = await x.receipt(unknown);
    assert.deepEqual([r.outcome, r.reason], ['ignored', 'reaction to a message not known']);

    const targetId = randomMessageId();
    const { messageId } = await x.f.inbound(TENANT_A, { from, id: targetId });
    const viaB = await x.f.webhook(
      TENANT_B,
      evoReaction.body({ instance: `${TENANT_B}-wa`, from, targetId, emoji: '👎' }),
    );
    assert.equal(viaB.body.outcome, 'ignored');
    const cloudB = await x.cloud(
      TENANT_B,
      cloudReaction.body({ phoneNumberId: CLOUD[TENANT_B].pnid, from, targetId, emoji: '👎' }),
    );
    assert.equal(cloudB.body.outcome, 'ignored');
    await x.deliveredOnce(reactionOf(messageId), 0);
    const none = await x.f.messages(TENANT_A, String((await x.f.inbound(TENANT_A, { from })).conversationId));
    assert.ok(none.every((m) => (m as unknown as MessagePayload).reactions === undefined));
  });
});

/**
 * Edits made on WhatsApp (Evolution `messages.edited`, docs/api.md §1.9):
 * the stored message takes the new text, every socket gets `message_updated`
 * (and `conversation_updated` when the preview changed), the delivery status
 * never moves — also when the `messages.update` DELETED twin arrives — and a
 * redelivered or older edit changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { randomMessageId } from '../../testing/evolution-fixtures.js';
import type { HttpResult, TestSocket } from '../../testing/harness.js';
import { messagesEditedBody, messagesUpdateBody } from '../../testing/provider-simulator/evolution.js';
import { ReplyFixture } from '../../testing/reply-fixture.js';

const A = 'edita';
const B = 'editb';
let f: ReplyFixture;

before(async () => {
  f = await ReplyFixture.start([A, B]);
});
after(() => f.close());

function edit(tenant: string, o: Parameters<typeof messagesEditedBody>[0]): Promise<HttpResult> {
  return f.webhook(tenant, messagesEditedBody({ instance: `${tenant}-wa`, sender: null, ...o }));
}

async function receipt(of: HttpResult) {
  const all = await f.t.node.store.receipts.list({ limit: 1000 });
  const found = all.find((r) => r.traceId === of.body.trace_id);
  assert.ok(found, `a receipt for ${String(of.body.trace_id)}`);
  return found;
}

/** Waits until a fresh inbound message reached `s`: every event before it has arrived too (seq order). */
async function barrier(tenant: string, s: TestSocket) {
  const { messageId } = await f.inbound(tenant, { from: f.nextPhone(), text: 'barrera' });
  await s.next((x) => x.type === 'new_message' && (x.message as MessagePayload).id === messageId);
}

async function one(tenant: string, conversationId: string, id: string) {
  const found = (await f.messages(tenant, conversationId)).filter((m) => m.id === id);
  assert.equal(found.length, 1);
  return found[0] as Record<string, unknown>;
}

describe('messages.edited', () => {
  test("a lead's edit replaces the text, reaches every socket, keeps the status; redeliveries and older edits change nothing", async () => {
    const from = f.nextPhone();
    const keyId = randomMessageId();
    const { conversationId, messageId } = await f.inbound(A, { from, id: keyId, text: 'Quiero 2 cajas' });
    const before = await one(A, conversationId, messageId);
    const s1 = await f.t.connect(A);
    const s2 = await f.t.connect(A);
    const remoteJid = `${from}@s.whatsapp.net`;

    // The DELETED twin of the edit, about an inbound message: no status change.
    const twin = await f.webhook(
      A,
      messagesUpdateBody({
        instance: `${A}-wa`,
        keyId,
        remoteJid,
        fromMe: false,
        status: 'DELETED',
        sender: null,
      }),
    );
    assert.equal(twin.body.outcome, 'ignored');

    const at = Date.now();
    const res = await edit(A, { keyId, text: 'Quiero 3 cajas', remoteJid, fromMe: false, timestampMs: at });
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.edited],
      [200, 'accepted', true],
      JSON.stringify(res.body),
    );
    assert.equal(res.body.message_id, messageId);
    for (const s of [s1, s2]) {
      const e = await s.next((x) => x.type === 'message_updated' && x.message_id === messageId);
      const m = e.message as MessagePayload;
      assert.deepEqual(
        [e.conversation_id, e.change, e.edited_at, m.content, m.status, m.id],
        [conversationId, 'edited', new Date(at).toISOString(), 'Quiero 3 cajas', before.status, messageId],
      );
      const c = await s.next((x) => x.type === 'conversation_updated');
      assert.equal(
        (c.conversation as { last_message_preview: string }).last_message_preview,
        'Quiero 3 cajas',
      );
    }
    const stored = await one(A, conversationId, messageId);
    assert.deepEqual(
      [stored.content, stored.status, stored.edited_at],
      ['Quiero 3 cajas', before.status, new Date(at).toISOString()],
    );
    const conv = await f.getJson(A, `/api/conversations/${conversationId}`);
    assert.equal(conv.last_message_preview, 'Quiero 3 cajas');
    assert.equal((await receipt(res)).outcome, 'accepted');

    const again = await edit(A, { keyId, text: 'Quiero 3 cajas', remoteJid, fromMe: false, timestampMs: at });
    assert.deepEqual([again.status, again.body.outcome], [200, 'duplicate']);
    const older = await edit(A, {
      keyId,
      text: 'Quiero 1 caja',
      remoteJid,
      fromMe: false,
      timestampMs: at - 60_000,
    });
    assert.equal(older.body.outcome, 'duplicate');
    assert.equal((await one(A, conversationId, messageId)).content, 'Quiero 3 cajas');
    await barrier(A, s1);
    assert.equal(s1.events().filter((e) => e.type === 'message_updated').length, 1);
    assert.equal((await f.messages(A, conversationId)).length, 1);
  });

  test('an edit of a CRM reply already delivered (wrapped shape) changes its text, never its status', async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(A, { from });
    const s = await f.t.connect(A);
    const keyId = randomMessageId();
    f.evo.nextIds.push(keyId);
    const posted = await f.reply(A, conversationId, { text: 'Llega el martes' });
    const id = (posted.body.message as MessagePayload).id;
    await f.statusOn(s, id, 'sent');
    const remoteJid = `${from}@s.whatsapp.net`;
    await f.webhook(
      A,
      messagesUpdateBody({ instance: `${A}-wa`, keyId, remoteJid, status: 'DELIVERY_ACK', sender: null }),
    );
    await f.statusOn(s, id, 'delivered');

    const twin = await f.webhook(
      A,
      messagesUpdateBody({ instance: `${A}-wa`, keyId, remoteJid, status: 'DELETED', sender: null }),
    );
    assert.equal(twin.body.outcome, 'ignored');
    const res = await edit(A, { keyId, text: 'Llega el miércoles', remoteJid, wrapped: true });
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    const e = await s.next((x) => x.type === 'message_updated' && x.message_id === id);
    assert.deepEqual(
      [(e.message as MessagePayload).content, (e.message as MessagePayload).status],
      ['Llega el miércoles', 'delivered'],
    );
    const stored = await one(A, conversationId, id);
    assert.deepEqual(
      [stored.content, stored.status, stored.sender],
      ['Llega el miércoles', 'delivered', 'agent'],
    );
    const statuses = s.events().filter((x) => x.type === 'message_status' && x.message_id === id);
    assert.deepEqual(
      statuses.map((x) => x.status),
      ['sent', 'delivered'],
    );
  });

  test('unknown messages and non-edits are 200 ignored with a receipt; a body without key.id is 400', async () => {
    const unknown = await edit(A, { keyId: randomMessageId(), text: 'nada' });
    assert.deepEqual(
      [unknown.status, unknown.body.outcome, unknown.body.reason],
      [200, 'ignored', 'message not known'],
    );
    const r = await receipt(unknown);
    assert.deepEqual([r.outcome, r.event], ['ignored', 'messages.edited']);
    const revoke = await f.webhook(A, {
      event: 'messages.edited',
      instance: `${A}-wa`,
      data: { key: { id: randomMessageId() }, type: 'REVOKE' },
    });
    assert.equal(revoke.body.outcome, 'ignored');
    const malformed = await f.webhook(A, {
      event: 'messages.edited',
      instance: `${A}-wa`,
      data: { editedMessage: { conversation: 'x' } },
    });
    assert.equal(malformed.status, 400);
  });

  test("tenant isolation: an edit through tenant B's instance never touches tenant A's message", async () => {
    const from = f.nextPhone();
    const keyId = randomMessageId();
    const { conversationId, messageId } = await f.inbound(A, { from, id: keyId, text: 'Solo de A' });
    const sA = await f.t.connect(A);
    const sB = await f.t.connect(B);
    const res = await edit(B, {
      keyId,
      text: 'Cambiado por B',
      remoteJid: `${from}@s.whatsapp.net`,
      fromMe: false,
    });
    assert.deepEqual([res.status, res.body.outcome], [200, 'ignored']);
    assert.equal((await one(A, conversationId, messageId)).content, 'Solo de A');
    await barrier(A, sA);
    await barrier(B, sB);
    assert.equal(sA.events().filter((e) => e.type === 'message_updated').length, 0);
    assert.equal(sB.events().filter((e) => e.type === 'message_updated').length, 0);
  });
});

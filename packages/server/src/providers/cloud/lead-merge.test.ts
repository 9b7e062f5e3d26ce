/**
 * `user_changed_number` when the customer already wrote from the new number
 * (#13 point 7): the new number's lead is folded into the old one's, on a
 * real node. One lead (the old id and name, the new number), one
 * conversation holding every message in order, no trace of the second lead
 * in the REST answers, `lead_updated` and `conversation_merged` on every
 * socket of the tenant once and on another tenant's never; a redelivered
 * notice changes nothing. Conversations on different numbers of the tenant
 * are moved, not merged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConversationState, LeadListItem, LeadPayload, MessagePayload, Page } from '@newton/protocol';
import { cloudBody, messagesValue } from '../../../testing/cloud-fixtures.js';
import * as changedCase from '../../../testing/corpus/cloud-user-changed-number.js';
import { CORPUS, useCorpusPair } from '../../../testing/corpus-pair.js';
import { upsertBody } from '../../../testing/evolution-fixtures.js';
import type { Frame } from '../../../testing/harness.js';

const pair = useCorpusPair();
let phones = 0;
const nextPhone = () => `5730077${String(++phones).padStart(5, '0')}`;
/** Message times a little in the past, one second apart, in the order written. */
const base = Math.floor(Date.now() / 1000) - 600;

async function cloudText(from: string, name: string, body: string, second: number) {
  const res = await pair().cloud(
    cloudBody(
      messagesValue({
        phoneNumberId: CORPUS.pnid,
        from,
        name,
        timestamp: base + second,
        content: { type: 'text', text: { body } },
      }),
    ),
  );
  assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  return { messageId: String(res.body.message_id), conversationId: String(res.body.conversation_id) };
}

async function api<T>(path: string): Promise<T> {
  const res = await pair().t.get(path, await pair().t.token(CORPUS.tenant));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as T;
}

const leadRows = (phonesOrNull: string[]) =>
  pair()
    .t.node.store.db.selectFrom('leads')
    .selectAll()
    .where('tenant_id', '=', CORPUS.tenant)
    .where(
      'phone',
      'in',
      phonesOrNull.map((p) => `+${p}`),
    )
    .execute();

describe('user_changed_number after the customer wrote from the new number', () => {
  test('folds the second lead into the first: one lead, one conversation, every socket once', async () => {
    const oldWaId = nextPhone();
    const newWaId = nextPhone();
    const a = await cloudText(oldWaId, 'Ana María', 'Hola, vendo mi iPhone', 1);
    const b = await cloudText(oldWaId, 'Ana María', '¿Les interesa?', 2);
    const c = await cloudText(newWaId, 'Ana (nuevo)', 'Ahora escribo desde este número', 3);
    assert.notEqual(c.conversationId, a.conversationId, 'the new number got its own conversation');
    const [first, second] = [(await leadRows([oldWaId]))[0], (await leadRows([newWaId]))[0]];
    assert.ok(first && second && first.id !== second.id, 'two leads before the notice');

    const body = changedCase.body({ phoneNumberId: CORPUS.pnid, oldWaId, newWaId });
    const res = await pair().cloud(body);
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.lead_id, res.body.conversation_id],
      [200, 'accepted', first.id, a.conversationId],
      JSON.stringify(res.body),
    );

    const updated = await pair().once(
      (f) => f.type === 'lead_updated' && (f.lead as LeadPayload).id === first.id,
      'lead_updated',
    );
    assert.deepEqual(updated.lead, { id: first.id, name: 'Ana María', phone: `+${newWaId}`, attributes: {} });
    assert.equal(updated.merged_lead_id, second.id);
    const merged = await pair().once(
      (f) => f.type === 'conversation_merged' && f.conversation_id === c.conversationId,
      'conversation_merged',
    );
    const into = merged.into as ConversationState;
    assert.deepEqual(
      [into.id, into.lead_id, into.lead.phone, into.lead.name, into.unread_count, into.last_message_id],
      [a.conversationId, first.id, `+${newWaId}`, 'Ana María', 3, c.messageId],
    );
    const notice = await pair().once(
      (f) => f.type === 'new_message' && (f.message as MessagePayload).id === res.body.message_id,
      'the notice',
    );
    assert.ok(Number(updated.seq) < Number(merged.seq) && Number(merged.seq) < Number(notice.seq));
    assert.equal(notice.conversation_id, a.conversationId);

    // REST: one lead, one conversation with every message in order; the second lead is gone.
    assert.deepEqual(
      (await leadRows([oldWaId, newWaId])).map((l) => [l.id, l.phone, l.name]),
      [[first.id, `+${newWaId}`, 'Ana María']],
    );
    const convs = await api<Page<ConversationState>>('/api/conversations?limit=200');
    const mine = convs.items.filter((x) => [first.id, second.id].includes(x.lead_id));
    assert.deepEqual(
      mine.map((x) => [x.id, x.lead_id, x.unread_count]),
      [[a.conversationId, first.id, 3]],
    );
    assert.ok(!convs.items.some((x) => x.id === c.conversationId));
    const gone = await pair().t.get(
      `/api/conversations/${c.conversationId}`,
      await pair().t.token(CORPUS.tenant),
    );
    assert.equal(gone.status, 404);
    const leads = await api<Page<LeadListItem>>('/api/leads?limit=200');
    assert.ok(!leads.items.some((l) => l.id === second.id), 'the second lead is not listed');
    assert.equal(
      (await pair().t.get(`/api/leads/${second.id}`, await pair().t.token(CORPUS.tenant))).status,
      404,
    );
    const msgs = await api<Page<MessagePayload>>(`/api/conversations/${a.conversationId}/messages?limit=50`);
    assert.deepEqual(
      msgs.items.map((m) => [m.id, m.conversation_id, m.phone]).reverse(),
      [a.messageId, b.messageId, c.messageId, String(res.body.message_id)].map((id) => [
        id,
        a.conversationId,
        `+${newWaId}`,
      ]),
      'all messages, oldest first',
    );

    // Meta retries the notice: nothing changes, no event.
    const seq = (await pair().t.node.store.logState(CORPUS.tenant))?.lastSeq;
    assert.equal((await pair().cloud(body)).body.outcome, 'duplicate');
    assert.equal((await pair().t.node.store.logState(CORPUS.tenant))?.lastSeq, seq, 'no event');
    // Later messages from the new number land in the survivor.
    const d = await cloudText(newWaId, 'Ana María', '¿Siguen ahí?', 4);
    assert.equal(d.conversationId, a.conversationId);
    await pair().none(
      (f: Frame) => f.type === 'conversation_merged' && f.conversation_id !== c.conversationId,
      'no other merge',
    );
  });

  test('conversations on different numbers of the tenant move to the first lead, none merged', async () => {
    const oldWaId = nextPhone();
    const newWaId = nextPhone();
    const evo = await pair().evolution(
      upsertBody({ instance: CORPUS.instance, from: oldWaId, pushName: 'Luis', text: 'Hola por Evolution' }),
    );
    assert.equal(evo.body.outcome, 'accepted', JSON.stringify(evo.body));
    const onCloud = await cloudText(newWaId, 'Luis', 'Hola por Cloud', 10);
    const [first] = await leadRows([oldWaId]);
    assert.ok(first);

    const res = await pair().cloud(changedCase.body({ phoneNumberId: CORPUS.pnid, oldWaId, newWaId }));
    assert.deepEqual([res.body.outcome, res.body.lead_id], ['accepted', first.id], JSON.stringify(res.body));
    assert.equal(res.body.conversation_id, onCloud.conversationId, 'the notice lands in the moved one');
    const moved = await pair().once(
      (f) =>
        f.type === 'conversation_updated' &&
        (f.conversation as ConversationState).id === onCloud.conversationId,
      'conversation_updated',
    );
    assert.equal((moved.conversation as ConversationState).lead_id, first.id);
    await pair().none(
      (f) => f.type === 'conversation_merged' && (f.into as ConversationState).lead_id === first.id,
      'no merge',
    );
    const convs = await api<Page<ConversationState>>('/api/conversations?limit=200');
    const mine = convs.items.filter((x) => x.lead_id === first.id).map((x) => x.id);
    assert.deepEqual(mine.sort(), [String(evo.body.conversation_id), onCloud.conversationId].sort());
    assert.equal((await leadRows([oldWaId, newWaId])).length, 1);
  });
});

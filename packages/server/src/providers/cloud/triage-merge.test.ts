/**
 * A customer's two conversations merged by `user_changed_number` (#13) keep
 * what agents wrote on them (#15): the merged conversation's notes and labels
 * move to the survivor, whose `notes_count` and `labels` say so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConversationState, LabelPayload, NotePayload, Page } from '@newton/protocol';
import { cloudBody, messagesValue } from '../../../testing/cloud-fixtures.js';
import * as changedCase from '../../../testing/corpus/cloud-user-changed-number.js';
import { CORPUS, useCorpusPair } from '../../../testing/corpus-pair.js';

const pair = useCorpusPair();
const base = Math.floor(Date.now() / 1000) - 600;

async function cloudText(from: string, body: string, second: number): Promise<string> {
  const res = await pair().cloud(
    cloudBody(
      messagesValue({
        phoneNumberId: CORPUS.pnid,
        from,
        name: 'Ana',
        timestamp: base + second,
        content: { type: 'text', text: { body } },
      }),
    ),
  );
  assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  return String(res.body.conversation_id);
}

test("the merged conversation's notes and labels move to the one that stays", async () => {
  const t = pair().t;
  const agent = await t.token(CORPUS.tenant);
  const admin = await t.token(CORPUS.tenant, { role: 'admin' });
  const [oldWaId, newWaId] = ['573008880001', '573008880002'];
  const kept = await cloudText(oldWaId, 'Hola', 1);
  const gone = await cloudText(newWaId, 'Desde el nuevo', 2);
  const both = (await t.request('POST', '/api/labels', admin, { name: 'Merge-both', color: '#111111' })).body
    .label as LabelPayload;
  const only = (await t.request('POST', '/api/labels', admin, { name: 'Merge-gone', color: '#222222' })).body
    .label as LabelPayload;
  for (const [conv, label] of [
    [kept, both],
    [gone, both],
    [gone, only],
  ] as const) {
    const res = await t.request('POST', `/api/conversations/${conv}/labels`, agent, { label_id: label.id });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  await t.request('POST', `/api/conversations/${kept}/notes`, agent, { text: 'nota vieja' });
  await t.request('POST', `/api/conversations/${gone}/notes`, agent, { text: 'nota nueva' });

  const res = await pair().cloud(changedCase.body({ phoneNumberId: CORPUS.pnid, oldWaId, newWaId }));
  assert.equal(res.body.conversation_id, kept, JSON.stringify(res.body));
  const state = (await t.get(`/api/conversations/${kept}`, agent)).body as unknown as ConversationState;
  assert.equal(state.notes_count, 2);
  assert.deepEqual(
    state.labels.map((l) => l.id),
    [both.id, only.id],
  );
  const notes = (await t.get(`/api/conversations/${kept}/notes`, agent)).body as unknown as Page<NotePayload>;
  assert.deepEqual(notes.items.map((n) => n.text).sort(), ['nota nueva', 'nota vieja']);
  assert.equal((await t.get(`/api/conversations/${gone}`, agent)).status, 404);
});

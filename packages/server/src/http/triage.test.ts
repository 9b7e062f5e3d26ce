/**
 * Conversation triage over REST (#15 points 2 and 4): status (with `closed`
 * as an alias of `resolved`), a customer's message reopening a resolved or
 * snoozed conversation in the same transaction as the message, internal notes
 * (stored, `note_added`, never sent to the provider), tenant labels
 * (admin-only changes) on conversations, the list's filters, and tenant
 * isolation of every route and event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConversationState, LabelPayload, NotePayload } from '@newton/protocol';
import type { TestSocket } from '../../testing/harness.js';
import { ReplyFixture } from '../../testing/reply-fixture.js';

const A = 'triage-a';
const B = 'triage-b';
let f: ReplyFixture;
let adminA: string;
let adminB: string;

before(async () => {
  f = await ReplyFixture.start([A, B]);
  adminA = await f.t.token(A, { user: 'boss-a', role: 'admin' });
  adminB = await f.t.token(B, { user: 'boss-b', role: 'admin' });
});
after(() => f.close());

const as = (tenant: string, method: string, path: string, body?: unknown, token?: string) =>
  f.t.request(method, path, token ?? f.setup(tenant).token, body);

async function conversation(tenant: string, id: string): Promise<ConversationState> {
  return (await f.getJson(tenant, `/api/conversations/${id}`)) as unknown as ConversationState;
}

async function label(token: string, name: string, color = '#22aa44'): Promise<LabelPayload> {
  const res = await f.t.request('POST', '/api/labels', token, { name, color });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.label as LabelPayload;
}

/** The event types a socket got after `from`. */
const typesAfter = (s: TestSocket, from: number) =>
  s
    .events()
    .slice(from)
    .map((e) => e.type);

describe('status', () => {
  test('resolve, pending, snooze: each a conversation_updated; closed is an alias of resolved', async () => {
    const { conversationId: id } = await f.inbound(A, { from: f.nextPhone() });
    const sa = await f.t.connect(A);
    const fresh = await conversation(A, id);
    assert.deepEqual(
      [fresh.status, fresh.snoozed_until, fresh.labels, fresh.notes_count],
      ['open', null, [], 0],
    );

    const closed = await as(A, 'POST', `/api/conversations/${id}/status`, { status: 'closed' });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal((closed.body.conversation as ConversationState).status, 'resolved');
    const ev = await sa.next((e) => e.type === 'conversation_updated');
    assert.equal((ev.conversation as ConversationState).status, 'resolved');
    assert.equal(typeof ev.seq, 'number');

    const again = await as(A, 'POST', `/api/conversations/${id}/status`, { status: 'resolved' });
    assert.equal(again.status, 200);
    const pending = await as(A, 'POST', `/api/conversations/${id}/status`, { status: 'pending' });
    assert.equal((pending.body.conversation as ConversationState).status, 'pending');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const snoozed = await as(A, 'POST', `/api/conversations/${id}/status`, {
      status: 'snoozed',
      snoozed_until: until,
    });
    const state = snoozed.body.conversation as ConversationState;
    assert.deepEqual([state.status, state.snoozed_until], ['snoozed', until]);
    await sa.next(
      (e) => e.type === 'conversation_updated' && (e.conversation as ConversationState).status === 'snoozed',
    );
    // Setting resolved twice appended one event: resolved, pending, snoozed.
    assert.deepEqual(typesAfter(sa, 0), [
      'conversation_updated',
      'conversation_updated',
      'conversation_updated',
    ]);

    const byFilter = await f.getJson(A, '/api/conversations?status=snoozed');
    assert.ok((byFilter.items as ConversationState[]).some((c) => c.id === id));
    const resolvedList = await f.getJson(A, '/api/conversations?status=closed');
    assert.ok(!(resolvedList.items as ConversationState[]).some((c) => c.id === id));
  });

  test('bad status bodies are 400 invalid_request and change nothing', async () => {
    const { conversationId: id } = await f.inbound(A, { from: f.nextPhone() });
    const past = new Date(Date.now() - 1000).toISOString();
    for (const body of [
      { status: 'archived' },
      { status: 'snoozed' },
      { status: 'snoozed', snoozed_until: past },
      { status: 'snoozed', snoozed_until: 'tomorrow' },
      { status: 'open', snoozed_until: new Date(Date.now() + 60_000).toISOString() },
      { status: 'open', extra: 1 },
    ]) {
      const res = await as(A, 'POST', `/api/conversations/${id}/status`, body);
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_request'], JSON.stringify(body));
    }
    assert.equal((await conversation(A, id)).status, 'open');
  });

  test("a customer's message reopens a resolved or snoozed conversation, in the message's transaction", async () => {
    for (const body of [
      { status: 'resolved' },
      { status: 'snoozed', snoozed_until: new Date(Date.now() + 3_600_000).toISOString() },
    ]) {
      const from = f.nextPhone();
      const { conversationId: id } = await f.inbound(A, { from });
      assert.equal((await as(A, 'POST', `/api/conversations/${id}/status`, body)).status, 200);
      const sa = await f.t.connect(A);
      await f.inbound(A, { from, text: 'sigo interesado' });
      const msg = await sa.next((e) => e.type === 'new_message');
      const upd = await sa.next((e) => e.type === 'conversation_updated');
      assert.equal((msg.conversation as { status: string }).status, 'open');
      const state = upd.conversation as ConversationState;
      assert.deepEqual([state.status, state.snoozed_until], ['open', null]);
      assert.equal(upd.seq, Number(msg.seq) + 1, 'appended right after the message');
      assert.equal((await conversation(A, id)).status, 'open');
    }
  });

  test('a message from the business side does not reopen it', async () => {
    const from = f.nextPhone();
    const { conversationId: id } = await f.inbound(A, { from });
    await as(A, 'POST', `/api/conversations/${id}/status`, { status: 'resolved' });
    await f.inbound(A, { from, fromMe: true, text: 'gracias a ti' });
    assert.equal((await conversation(A, id)).status, 'resolved');
  });
});

describe('notes', () => {
  test('a note is stored, counted and sent to agents as note_added, and never to the provider', async () => {
    const { conversationId: id } = await f.inbound(A, { from: f.nextPhone() });
    const sa = await f.t.connect(A);
    const before = f.sim.requests().length;
    const res = await as(A, 'POST', `/api/conversations/${id}/notes`, {
      text: 'Cliente VIP, ofrecer envío gratis',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const note = res.body.note as NotePayload;
    assert.deepEqual(
      [note.text, note.author_id, note.conversation_id],
      ['Cliente VIP, ofrecer envío gratis', `agent-${A}`, id],
    );
    assert.equal((res.body.conversation as ConversationState).notes_count, 1);
    const ev = await sa.next((e) => e.type === 'note_added');
    assert.equal((ev.note as NotePayload).id, note.id);
    assert.equal((ev.conversation as ConversationState).notes_count, 1);
    const listed = await f.getJson(A, `/api/conversations/${id}/notes`);
    assert.deepEqual(
      (listed.items as NotePayload[]).map((n) => n.id),
      [note.id],
    );
    assert.equal((await conversation(A, id)).notes_count, 1);
    const messages = await f.messages(A, id);
    assert.ok(!messages.some((m) => String(m.content).includes('VIP')), 'a note is not a message');
    assert.equal(f.sim.requests().length, before, 'the provider simulator received nothing');
  });

  test('blank, missing, oversized or unknown-field notes are 400 and store nothing', async () => {
    const { conversationId: id } = await f.inbound(A, { from: f.nextPhone() });
    for (const body of [{ text: '   ' }, {}, { text: 'x'.repeat(4097) }, { text: 'ok', to: 'lead' }]) {
      const res = await as(A, 'POST', `/api/conversations/${id}/notes`, body);
      assert.deepEqual(
        [res.status, res.body.error],
        [400, 'invalid_request'],
        JSON.stringify(body).slice(0, 40),
      );
    }
    assert.equal((await conversation(A, id)).notes_count, 0);
  });
});

describe('labels', () => {
  test('admins manage labels; agents get 403 forbidden; names are unique per tenant', async () => {
    const agent = await as(A, 'POST', '/api/labels', { name: 'Agente', color: '#000000' });
    assert.deepEqual([agent.status, agent.body.error], [403, 'forbidden']);
    const vip = await label(adminA, 'VIP', '#ff0000');
    const dup = await f.t.request('POST', '/api/labels', adminA, { name: 'vip', color: '#00ff00' });
    assert.deepEqual([dup.status, dup.body.error], [409, 'label_exists']);
    const bad = await f.t.request('POST', '/api/labels', adminA, { name: 'x', color: 'red' });
    assert.deepEqual([bad.status, bad.body.error], [400, 'invalid_request']);
    // The same name in another tenant is another label.
    await label(adminB, 'VIP');
    const patchAgent = await as(A, 'PATCH', `/api/labels/${vip.id}`, { name: 'Nope' });
    assert.deepEqual([patchAgent.status, patchAgent.body.error], [403, 'forbidden']);
    const delAgent = await as(A, 'DELETE', `/api/labels/${vip.id}`);
    assert.deepEqual([delAgent.status, delAgent.body.error], [403, 'forbidden']);
    const list = await f.getJson(A, '/api/labels');
    assert.ok((list.items as LabelPayload[]).some((l) => l.id === vip.id && l.color === '#ff0000'));
  });

  test('any agent labels a conversation; renaming and deleting the label update it live; filters', async () => {
    const hot = await label(adminA, 'Caliente', '#ff8800');
    const { conversationId: id } = await f.inbound(A, { from: f.nextPhone() });
    const { conversationId: other } = await f.inbound(A, { from: f.nextPhone() });
    const sa = await f.t.connect(A);
    const put = await as(A, 'POST', `/api/conversations/${id}/labels`, { label_id: hot.id });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual((put.body.conversation as ConversationState).labels, [hot]);
    await sa.next((e) => e.type === 'conversation_updated');

    const filtered = await f.getJson(A, `/api/conversations?label=${hot.id}`);
    assert.deepEqual(
      (filtered.items as ConversationState[]).map((c) => c.id),
      [id],
    );
    const unread = (await f.getJson(A, '/api/conversations?unread=true')).items as ConversationState[];
    assert.ok(unread.some((c) => c.id === other) && unread.every((c) => c.unread_count > 0));
    await f.postAs(A, `/api/conversations/${other}/read`);
    const read = (await f.getJson(A, '/api/conversations?unread=false')).items as ConversationState[];
    assert.ok(read.some((c) => c.id === other) && read.every((c) => c.unread_count === 0));

    const renamed = await f.t.request('PATCH', `/api/labels/${hot.id}`, adminA, { name: 'Muy caliente' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const upd = await sa.next(
      (e) =>
        e.type === 'conversation_updated' &&
        (e.conversation as ConversationState).labels[0]?.name === 'Muy caliente',
    );
    assert.equal((upd.conversation as ConversationState).id, id);
    await sa.next((e) => e.type === 'labels_updated');
    assert.equal((await conversation(A, id)).labels[0]?.name, 'Muy caliente');

    const del = await f.t.request('DELETE', `/api/labels/${hot.id}`, adminA);
    assert.equal(del.status, 204);
    await sa.next(
      (e) => e.type === 'conversation_updated' && (e.conversation as ConversationState).labels.length === 0,
    );
    assert.deepEqual((await conversation(A, id)).labels, []);

    const again = await label(adminA, 'Otra');
    await as(A, 'POST', `/api/conversations/${id}/labels`, { label_id: again.id });
    const off = await as(A, 'DELETE', `/api/conversations/${id}/labels/${again.id}`);
    assert.deepEqual((off.body.conversation as ConversationState).labels, []);
  });
});

describe('tenant isolation', () => {
  test("B cannot see or change A's status, notes or labels: 404/422, nothing stored, no event in A's log", async () => {
    const { conversationId: id } = await f.inbound(A, { from: f.nextPhone() });
    const labelA = await label(adminA, 'Solo A');
    const labelB = await label(adminB, 'Solo B');
    const sa = await f.t.connect(A);
    const sb = await f.t.connect(B);
    const attempts: [string, string, unknown, string | undefined][] = [
      ['POST', `/api/conversations/${id}/status`, { status: 'resolved' }, undefined],
      ['POST', `/api/conversations/${id}/notes`, { text: 'intruso' }, undefined],
      ['GET', `/api/conversations/${id}/notes`, undefined, undefined],
      ['POST', `/api/conversations/${id}/labels`, { label_id: labelB.id }, undefined],
      ['DELETE', `/api/conversations/${id}/labels/${labelA.id}`, undefined, undefined],
      ['PATCH', `/api/labels/${labelA.id}`, { name: 'robado' }, adminB],
      ['DELETE', `/api/labels/${labelA.id}`, undefined, adminB],
    ];
    for (const [method, path, body, token] of attempts) {
      const res = await as(B, method, path, body, token);
      assert.deepEqual([res.status, res.body.error], [404, 'not_found'], `${method} ${path}`);
    }
    // A's agent with B's label on A's conversation: the label is unknown to A.
    const foreign = await as(A, 'POST', `/api/conversations/${id}/labels`, { label_id: labelB.id });
    assert.deepEqual([foreign.status, foreign.body.error], [422, 'unknown_label']);
    const listB = (await f.getJson(B, '/api/labels')).items as LabelPayload[];
    assert.ok(!listB.some((l) => l.id === labelA.id), "B does not list A's labels");
    const byLabel = await f.getJson(B, `/api/conversations?label=${labelA.id}`);
    assert.deepEqual(byLabel.items, []);

    const state = await conversation(A, id);
    assert.deepEqual([state.status, state.notes_count, state.labels], ['open', 0, []]);
    assert.ok(((await f.getJson(A, '/api/labels')).items as LabelPayload[]).some((l) => l.name === 'Solo A'));
    // A's own change arrives; nothing B tried came before it on A's socket.
    await as(A, 'POST', `/api/conversations/${id}/notes`, { text: 'propia' });
    await sa.next((e) => e.type === 'note_added');
    assert.deepEqual(typesAfter(sa, 0), ['note_added']);
    assert.ok(!sb.events().some((e) => e.type === 'note_added' || e.type === 'conversation_updated'));
  });
});

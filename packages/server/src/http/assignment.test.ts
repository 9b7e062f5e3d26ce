/**
 * Assignment (#15): an agent takes or lets go of a conversation, an admin
 * gives it to anyone; an unknown or disabled assignee is a 422 and nothing is
 * stored; every change is one `conversation_updated` carrying `assignee_id`
 * (replayed on resume); the list filters `mine` and `unassigned`; the
 * round-robin gives new conversations to online agents in turn (not to away
 * or offline ones). Tenant isolation throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConversationState } from '@newton/protocol';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';

let t: TestNewton;
let admin: string;
let ana: string;
let bob: string;
let adminB: string;
let phones = 0;

before(async () => {
  t = await TestNewton.start();
  for (const tenant of ['alpha', 'bravo']) {
    await t.addTenant(tenant);
    await t.addInstance({ tenantId: tenant, name: `${tenant}-wa` });
  }
  admin = await t.token('alpha', { user: 'root', role: 'admin' });
  adminB = await t.token('bravo', { user: 'root', role: 'admin' });
  for (const [id, name] of [
    ['ana', 'Ana'],
    ['bob', 'Bob'],
    ['carl', 'Carl'],
  ]) {
    const res = await t.request('POST', '/api/admin/users', admin, { id, name });
    assert.equal(res.status, 201);
  }
  await t.request('POST', '/api/admin/users', adminB, { id: 'zoe', name: 'Zoe' });
  ana = await t.token('alpha', { user: 'ana' });
  bob = await t.token('alpha', { user: 'bob' });
});
after(() => t?.close());

/** A new conversation of `tenant` through the real webhook path; its id. */
async function newConversation(tenant = 'alpha'): Promise<string> {
  const from = `5730099${String(++phones).padStart(5, '0')}`;
  const res = await t.evolution(upsertBody({ instance: `${tenant}-wa`, sender: null, from }));
  assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  return String(res.body.conversation_id);
}

const assign = (token: string, id: string, assignee: unknown) =>
  t.request('PUT', `/api/conversations/${id}/assignee`, token, { assignee_id: assignee });

const conv = async (id: string, token = admin) =>
  (await t.get(`/api/conversations/${id}`, token)).body as unknown as ConversationState;

const updates = (s: TestSocket, id: string): Frame[] =>
  s.frames.filter(
    (f) => f.type === 'conversation_updated' && (f.conversation as ConversationState).id === id,
  );

describe('assigning', () => {
  test('an agent assigns to self: stored, answered, and one conversation_updated on every socket', async () => {
    const id = await newConversation();
    assert.equal((await conv(id)).assignee_id, null);
    const socket = await t.connect('alpha', { token: bob });
    const res = await assign(ana, id, 'ana');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body.conversation as ConversationState).assignee_id, 'ana');
    const frame = await socket.next((f) => f.type === 'conversation_updated');
    assert.equal((frame.conversation as ConversationState).assignee_id, 'ana');
    assert.equal((frame.conversation as ConversationState).id, id);
    assert.equal((await conv(id)).assignee_id, 'ana');
    // The same again changes nothing and sends nothing.
    assert.equal((await assign(ana, id, 'ana')).status, 200);
    // Resume from before the change replays it.
    const late = await t.connect('alpha', { token: bob, since: Number(frame.seq) - 1 });
    const replayed = await late.next((f) => f.type === 'conversation_updated');
    assert.equal(replayed.seq, frame.seq);
    assert.equal(updates(socket, id).length, 1);
  });

  test('an agent cannot assign others (403 assign_forbidden), nor unassign them; nothing stored', async () => {
    const id = await newConversation();
    const res = await assign(ana, id, 'bob');
    assert.deepEqual([res.status, res.body.error], [403, 'assign_forbidden']);
    assert.equal((await conv(id)).assignee_id, null);
    await assign(bob, id, 'bob');
    const un = await assign(ana, id, null);
    assert.deepEqual([un.status, un.body.error], [403, 'assign_forbidden']);
    assert.equal((await conv(id)).assignee_id, 'bob');
    // Bob lets it go himself.
    assert.equal((await assign(bob, id, null)).status, 200);
    assert.equal((await conv(id)).assignee_id, null);
  });

  test('an admin assigns anyone and unassigns', async () => {
    const id = await newConversation();
    assert.equal((await assign(admin, id, 'carl')).status, 200);
    assert.equal((await conv(id)).assignee_id, 'carl');
    assert.equal((await assign(admin, id, null)).status, 200);
    assert.equal((await conv(id)).assignee_id, null);
  });

  test('an unknown, disabled or other-tenant assignee is a 422 with its code; nothing stored, no event', async () => {
    const id = await newConversation();
    await t.request('POST', '/api/admin/users', admin, { id: 'dora', name: 'Dora' });
    await t.request('PATCH', '/api/admin/users/dora', admin, { disabled: true });
    const socket = await t.connect('alpha', { token: admin });
    for (const who of ['nobody', 'dora', 'zoe']) {
      const res = await assign(admin, id, who);
      assert.deepEqual([res.status, res.body.error, res.body.assignee_id], [422, 'unknown_assignee', who]);
    }
    // A token whose sub is no user cannot take a conversation either.
    const legacy = await t.token('alpha', { user: 'crm-bot' });
    assert.equal((await assign(legacy, id, 'crm-bot')).body.error, 'unknown_assignee');
    for (const body of [{}, { assignee_id: '' }, { assignee_id: {} }, { assignee_id: 'ana', x: 1 }]) {
      const res = await t.request('PUT', `/api/conversations/${id}/assignee`, admin, body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.equal((await conv(id)).assignee_id, null);
    // A later change proves the socket was live: nothing came before it.
    await assign(admin, id, 'ana');
    await socket.next((f) => f.type === 'conversation_updated');
    assert.equal(updates(socket, id).length, 1);
  });

  test("tenant B cannot assign tenant A's conversation, nor see it by filter", async () => {
    const id = await newConversation();
    const res = await assign(adminB, id, 'zoe');
    assert.deepEqual([res.status, res.body.error], [404, 'not_found']);
    assert.equal((await conv(id)).assignee_id, null);
    const page = await t.get('/api/conversations?assignee=unassigned', adminB);
    assert.ok(!(page.body.items as ConversationState[]).some((c) => c.id === id));
  });
});

describe('the list filters', () => {
  test('mine, unassigned and a user id', async () => {
    const [a, b, c] = [await newConversation(), await newConversation(), await newConversation()];
    await assign(ana, a, 'ana');
    await assign(bob, b, 'bob');
    const ids = async (query: string, token = admin) => {
      const res = await t.get(`/api/conversations?limit=200&${query}`, token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.items as ConversationState[]).map((x) => x.id);
    };
    const mine = await ids('assignee=mine', ana);
    assert.ok(mine.includes(a) && !mine.includes(b) && !mine.includes(c));
    assert.ok((await ids('assignee=mine', ana)).every(async (id) => (await conv(id)).assignee_id === 'ana'));
    const open = await ids('assignee=unassigned');
    assert.ok(open.includes(c) && !open.includes(a) && !open.includes(b));
    assert.deepEqual(
      (await ids('assignee=bob')).filter((id) => [a, b, c].includes(id)),
      [b],
    );
    assert.equal((await t.get('/api/conversations?assignee=', admin)).status, 400);
  });
});

describe('round-robin auto-assignment', () => {
  test('off by default; admins turn it on; agents cannot', async () => {
    assert.deepEqual((await t.get('/api/admin/settings/assignment', admin)).body, { auto_assign: false });
    const refused = await t.request('PUT', '/api/admin/settings/assignment', ana, { auto_assign: true });
    assert.deepEqual([refused.status, refused.body.error], [403, 'forbidden']);
    assert.equal(
      (await t.request('PUT', '/api/admin/settings/assignment', admin, { auto_assign: 'yes' })).status,
      400,
    );
    const id = await newConversation();
    assert.equal((await conv(id)).assignee_id, null, 'off: nothing assigned');
  });

  test('new conversations go to online agents in turn; offline and disabled ones are skipped', async () => {
    // A tenant of its own: no socket of the other tests is open there.
    await t.addTenant('charlie');
    await t.addInstance({ tenantId: 'charlie', name: 'charlie-wa' });
    const admin = await t.token('charlie', { user: 'root', role: 'admin' });
    for (const id of ['ana', 'bob', 'carl'])
      await t.request('POST', '/api/admin/users', admin, { id, name: id });
    await t.request('PATCH', '/api/admin/users/carl', admin, { disabled: true });
    const ana = await t.token('charlie', { user: 'ana' });
    const bob = await t.token('charlie', { user: 'bob' });
    const carl = await t.token('charlie', { user: 'carl' });
    const conv = async (id: string) =>
      (await t.get(`/api/conversations/${id}`, admin)).body as unknown as ConversationState;
    const on = await t.request('PUT', '/api/admin/settings/assignment', admin, { auto_assign: true });
    assert.deepEqual(on.body, { auto_assign: true });
    // Tenant B's setting is its own.
    assert.deepEqual((await t.get('/api/admin/settings/assignment', adminB)).body, { auto_assign: false });
    const anaSocket = await t.connect('charlie', { token: ana });
    const bobSocket = await t.connect('charlie', { token: bob });
    // A disabled user's socket is refused: never a candidate.
    assert.equal((await (await t.socket('charlie', { token: carl })).closed).code, 4401);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(String((await conv(await newConversation('charlie'))).assignee_id));
    assert.deepEqual(got.sort(), ['ana', 'ana', 'bob', 'bob']);
    // The assignment reached the sockets as conversation_updated.
    await anaSocket.next(
      (f) => f.type === 'conversation_updated' && (f.conversation as ConversationState).assignee_id === 'bob',
    );
    // Bob says he is away: an away agent gets no new conversation (only `online` ones do).
    bobSocket.send({ type: 'presence', state: 'away' });
    await eventually(() => !t.node.online.online('charlie').includes('bob'), 5000, 'bob away');
    const whileAway: string[] = [];
    for (let i = 0; i < 2; i++)
      whileAway.push(String((await conv(await newConversation('charlie'))).assignee_id));
    assert.deepEqual(whileAway, ['ana', 'ana']);
    // Back online: his turn comes again.
    bobSocket.send({ type: 'presence', state: 'online' });
    await eventually(() => t.node.online.online('charlie').includes('bob'), 5000, 'bob online again');
    const back: string[] = [];
    for (let i = 0; i < 2; i++) back.push(String((await conv(await newConversation('charlie'))).assignee_id));
    assert.deepEqual(back.sort(), ['ana', 'bob']);
    // Bob goes offline: only Ana is left.
    bobSocket.close();
    await eventually(() => !t.node.online.online('charlie').includes('bob'), 5000, 'bob offline');
    const afterBob: string[] = [];
    for (let i = 0; i < 2; i++)
      afterBob.push(String((await conv(await newConversation('charlie'))).assignee_id));
    assert.deepEqual(afterBob, ['ana', 'ana']);
    // A message in an existing conversation assigns nothing anew.
    const existing = await newConversation('charlie');
    await assign(admin, existing, null);
    const again = await t.evolution(
      upsertBody({ instance: 'charlie-wa', sender: null, from: `5730099${String(phones).padStart(5, '0')}` }),
    );
    assert.equal(again.body.conversation_id, existing);
    assert.equal((await conv(existing)).assignee_id, null);
    // Tenant B (off) is untouched by A's setting.
    assert.equal(
      (
        (await t.get(`/api/conversations/${await newConversation('bravo')}`, adminB))
          .body as unknown as ConversationState
      ).assignee_id,
      null,
    );
    await t.request('PUT', '/api/admin/settings/assignment', admin, { auto_assign: false });
    assert.equal((await conv(await newConversation('charlie'))).assignee_id, null);
  });
});

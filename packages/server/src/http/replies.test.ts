/**
 * The REST side of replies (issue #5 §1, §6, §7): tenant isolation of
 * sending, retrying and marking read; unread counts and conversation_updated;
 * the instance's API key never returned nor logged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConversationState, MessagePayload } from '@newton/protocol';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { EVOLUTION_SEND_TEXT, installEvolution } from '../../testing/provider-simulator/evolution.js';
import { ReplyFixture } from '../../testing/reply-fixture.js';
import { SecretsProbe } from '../../testing/secrets-probe.js';

const A = 'tenant-a';
const B = 'tenant-b';
let f: ReplyFixture;

before(async () => {
  f = await ReplyFixture.start([A, B]);
});
after(() => f.close());

describe('tenant isolation', () => {
  test('an agent of B cannot send in, read, retry in, or mark read a conversation of A (404, nothing sent, no event)', async () => {
    const { conversationId, messageId } = await f.inbound(A, { from: f.nextPhone() });
    const sa = await f.t.connect(A);
    const before = f.sim.requests(EVOLUTION_SEND_TEXT).length;
    const send = await f.reply(B, conversationId, { text: 'intruso', client_id: 'x-1' });
    assert.deepEqual([send.status, send.body.error], [404, 'not_found']);
    const read = await f.postAs(B, `/api/conversations/${conversationId}/read`);
    assert.deepEqual([read.status, read.body.error], [404, 'not_found']);
    const retry = await f.postAs(B, `/api/messages/${messageId}/retry`);
    assert.deepEqual([retry.status, retry.body.error], [404, 'not_found']);
    for (const p of [
      `/api/conversations/${conversationId}`,
      `/api/conversations/${conversationId}/messages`,
    ]) {
      const seen = await f.t.get(p, f.setup(B).token);
      assert.deepEqual([seen.status, seen.body.error], [404, 'not_found'], `B reads ${p}`);
    }
    const missing = await f.reply(A, '00000000-0000-0000-0000-000000000000', { text: 'nada' });
    assert.deepEqual([missing.status, missing.body.error], [404, 'not_found']);
    assert.equal(f.sim.requests(EVOLUTION_SEND_TEXT).length, before, 'nothing was sent');
    const conv = await f.getJson(A, `/api/conversations/${conversationId}`);
    assert.equal(conv.unread_count, 1, 'B did not mark it read');
    // A marks it read itself: any event B had caused in A's log would arrive before this one.
    const own = await f.postAs(A, `/api/conversations/${conversationId}/read`);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const readAt = (own.body.conversation as ConversationState).last_read_at;
    await sa.next(
      (e) =>
        e.type === 'conversation_updated' && (e.conversation as ConversationState).last_read_at === readAt,
    );
    assert.deepEqual(
      sa.events().map((e) => e.type),
      ['conversation_updated'],
      "A saw no event from B, only A's own",
    );
  });

  test('a client_id of tenant A does not collide with the same client_id in tenant B', async () => {
    const ca = await f.inbound(A, { from: f.nextPhone() });
    const cb = await f.inbound(B, { from: f.nextPhone() });
    const ra = await f.reply(A, ca.conversationId, { text: 'hola A', client_id: 'same-key' });
    const rb = await f.reply(B, cb.conversationId, { text: 'hola B', client_id: 'same-key' });
    assert.deepEqual([ra.status, rb.status], [201, 201]);
    // B replaying A's key for A's conversation finds no such conversation, and nothing of A's message.
    const replay = await f.reply(B, ca.conversationId, { text: 'hola A', client_id: 'same-key' });
    assert.deepEqual([replay.status, replay.body.error], [404, 'not_found'], JSON.stringify(replay.body));
    assert.ok(!JSON.stringify(replay.body).includes((ra.body.message as MessagePayload).id));
  });
});

describe('unread count and marking read', () => {
  test('inbound increments, outbound does not; read sets 0 and emits conversation_updated to every socket', async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(A, { from, text: 'uno' });
    await f.inbound(A, { from, text: 'dos' });
    const url = `/api/conversations/${conversationId}`;
    assert.equal((await f.getJson(A, url)).unread_count, 2);

    const reply = await f.reply(A, conversationId, { text: 'respuesta' });
    await f.t.node.sender.settled((reply.body.message as MessagePayload).id);
    await f.webhook(
      A,
      upsertBody({ instance: `${A}-wa`, sender: null, from, fromMe: true, text: 'desde el teléfono' }),
    );
    const afterReplies = await f.getJson(A, url);
    assert.equal(afterReplies.unread_count, 2, 'outbound messages do not count');
    assert.equal(afterReplies.last_message_preview, 'desde el teléfono');

    const [s1, s2] = [await f.t.connect(A), await f.t.connect(A)];
    const read = await f.postAs(A, `${url}/read`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    const conv = read.body.conversation as ConversationState;
    assert.equal(conv.unread_count, 0);
    assert.ok(conv.last_read_at && !Number.isNaN(Date.parse(conv.last_read_at)));
    assert.deepEqual(conv, await f.getJson(A, url), 'the same object as GET /api/conversations/{id}');
    for (const s of [s1, s2]) {
      const ev = await s.next(
        (e) =>
          e.type === 'conversation_updated' && (e.conversation as ConversationState).id === conversationId,
      );
      assert.deepEqual(ev.conversation, conv);
    }

    const again = await f.postAs(A, `${url}/read`);
    assert.equal(again.status, 200);
    const tres = await f.inbound(A, { from, text: 'tres' });
    assert.equal((await f.getJson(A, url)).unread_count, 1);
    // The new message comes after anything the second read had emitted.
    await s1.next((e) => e.type === 'new_message' && (e.message as MessagePayload).id === tres.messageId);
    const updates = s1
      .events()
      .filter(
        (e) =>
          e.type === 'conversation_updated' && (e.conversation as ConversationState).id === conversationId,
      );
    assert.equal(updates.length, 1, 'reading an already-read conversation emits nothing');
  });
});

describe('secrets', () => {
  test('the instance API key is never in an API answer nor in a log line', async () => {
    const apikey = 'sk-evo-7f3a9c2e5b1d4860';
    const probe = await SecretsProbe.start({ nodeId: 'secrets', logger: 'plain' });
    const { node, sim } = probe;
    const call = probe.call.bind(probe);
    // Evolution knows the instance under another key: our sends get 401.
    installEvolution(sim, { instances: { 'sec-wa': 'the-right-key' } });
    try {
      await node.store.admin.createInstance({
        tenantId: 'sec',
        provider: 'evolution',
        name: 'sec-wa',
        apikey,
        baseUrl: sim.url,
      });
      const hook = await call(
        'POST',
        '/webhooks/evolution',
        upsertBody({ instance: 'sec-wa', sender: null }),
        {
          apikey,
          'content-type': 'application/json',
        },
      );
      const conversationId = String(hook.json().conversation_id);
      const sent = await call('POST', `/api/conversations/${conversationId}/messages`, { text: 'hola' });
      assert.equal(sent.status, 201);
      const id = (sent.json().message as { id: string }).id;
      await node.sender.settled(id);
      await call('GET', `/api/conversations/${conversationId}`);
      const page = await call('GET', `/api/conversations/${conversationId}/messages`);
      const failed = (page.json().items as MessagePayload[]).find((m) => m.id === id);
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.error?.message ?? '', /API key was refused/);
      await call('GET', '/api/conversations');
      await call('POST', `/api/messages/${id}/retry`, {});
      await node.sender.settled(id);
      assert.equal(
        sim.requests(EVOLUTION_SEND_TEXT)[0]?.headers.apikey,
        apikey,
        'the key does reach Evolution',
      );
    } finally {
      await probe.close();
    }
    assert.ok(
      probe.lines.some((l) => l.includes('send attempt')),
      'the send was logged',
    );
    probe.assertNoLeak([apikey]);
  });
});

describe('a send Evolution refuses for the API key', () => {
  test('401: the reply fails, the number becomes unknown / provider_unauthorized saying which key to fix, and only its tenant hears of it', async () => {
    const { conversationId } = await f.inbound(A, { from: f.nextPhone() });
    const sa = await f.t.connect(A);
    const sb = await f.t.connect(B);
    f.sim.fail((req) => req.route === EVOLUTION_SEND_TEXT && req.params.instance === `${A}-wa`, {
      kind: 'status',
      status: 401,
      body: { status: 401, error: 'Unauthorized', response: { message: 'Unauthorized' } },
    });
    const sent = await f.reply(A, conversationId, { text: 'hola' });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const id = (sent.body.message as { id: string }).id;
    const failed = await f.statusOn(sa, id, 'failed', 30_000);
    assert.equal((failed.error as { code: string }).code, 'provider_unauthorized');
    const frame = await sa.next((x) => x.type === 'instance_status', 30_000);
    const state = frame.instance as Record<string, unknown>;
    assert.deepEqual(
      [state.id, state.state, state.reason],
      [f.setup(A).instance.id, 'unknown', 'provider_unauthorized'],
    );
    assert.match(String(state.detail), /newton instance update tenant-a tenant-a-wa --apikey KEY/);
    assert.ok(!String(state.detail).includes(f.setup(A).apikey), 'the key itself is never shown');
    const listed = await f.getJson(A, '/api/instances');
    const mine = (listed.items as Record<string, unknown>[]).find((i) => i.name === `${A}-wa`);
    assert.equal(mine?.reason, 'provider_unauthorized');
    // B's socket saw A's reply fail on A's socket only: nothing of A's number reached it.
    sb.send({ type: 'ping', id: 'after' });
    await sb.next((x) => x.type === 'pong' && x.id === 'after', 30_000);
    assert.ok(!sb.frames.some((x) => x.type === 'instance_status'), JSON.stringify(sb.frames));
    sa.close();
    sb.close();
  });
});

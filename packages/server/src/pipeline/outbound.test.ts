/**
 * Sending replies (issue #5) against the Evolution provider simulator: the
 * reply is stored pending, sent once with Evolution's request format, and
 * its statuses reach every agent socket; retries on 5xx/429/timeouts, none
 * on 4xx; idempotency by client_id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually } from '../../testing/harness.js';
import {
  EVOLUTION_SEND_TEXT,
  evolutionError,
  messagesUpdateBody,
} from '../../testing/provider-simulator/evolution.js';
import { ReplyFixture } from '../../testing/reply-fixture.js';

const T = 'acme';
let f: ReplyFixture;

before(async () => {
  f = await ReplyFixture.start([T]);
});
after(() => f.close());

const sendsOf = (text: string) =>
  f.sim.requests(EVOLUTION_SEND_TEXT).filter((r) => (r.body as { text?: string })?.text === text);

describe('reply → pending → sent → delivered → read', () => {
  test('every agent socket sees each step; Evolution gets exactly one send with the right body and apikey', async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(T, { from, text: 'Hola, ¿tienen el iPhone 13?' });
    const [a, b] = [await f.t.connect(T), await f.t.connect(T)];
    const text = 'Sí, lo tenemos en 128 GB';
    const res = await f.reply(T, conversationId, { text, client_id: 'c-1' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const message = res.body.message as MessagePayload;
    assert.equal(message.status, 'pending');
    assert.equal(message.sender, 'agent');
    assert.equal(message.direction, 'outbound');
    assert.equal(message.content, text);
    assert.equal(message.client_id, 'c-1');
    assert.equal(message.sender_user_id, `agent-${T}`);
    assert.equal(message.error, null);

    for (const s of [a, b]) {
      const nm = await s.next(
        (e) => e.type === 'new_message' && (e.message as MessagePayload).id === message.id,
      );
      assert.equal((nm.message as MessagePayload).status, 'pending');
      await f.statusOn(s, message.id, 'sent');
    }
    const sends = sendsOf(text);
    assert.equal(sends.length, 1, 'exactly one send');
    const [send] = sends;
    assert.equal(send?.path, `/message/sendText/${T}-wa`);
    assert.equal(send?.headers.apikey, `key-${T}`);
    assert.match(send?.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(send?.body, { number: from, text });
    const keyId = f.evo.sent.find((s) => s.text === text)?.id;
    assert.ok(keyId);

    const sent = await f.statusOn(a, message.id, 'sent');
    assert.equal(sent.provider_message_id, keyId);
    assert.equal(sent.conversation_id, conversationId);
    assert.equal(sent.error, null);

    const remoteJid = `${from}@s.whatsapp.net`;
    for (const status of ['DELIVERY_ACK', 'READ'] as const) {
      const r = await f.webhook(
        T,
        messagesUpdateBody({ instance: `${T}-wa`, keyId, remoteJid, status, sender: null }),
      );
      assert.deepEqual([r.status, r.body.outcome], [200, 'accepted'], JSON.stringify(r.body));
    }
    for (const s of [a, b]) {
      await f.statusOn(s, message.id, 'delivered');
      await f.statusOn(s, message.id, 'read');
      const steps = s
        .events()
        .filter((e) => e.type === 'message_status' && e.message_id === message.id)
        .map((e) => e.status);
      assert.deepEqual(steps, ['sent', 'delivered', 'read']);
    }
    const stored = (await f.messages(T, conversationId)).find((m) => m.id === message.id);
    assert.equal(stored?.status, 'read');
    assert.equal(stored?.provider_message_id, keyId);
  });

  test('a lead known only by @lid is sent the full …@lid JID', async () => {
    const lid = '187460394016835';
    const { conversationId } = await f.inbound(T, { remoteJid: `${lid}@lid`, text: 'hola desde lid' });
    const text = 'respuesta a un lid';
    const res = await f.reply(T, conversationId, { text });
    assert.equal(res.status, 201);
    await f.sim.waitForRequests((r) => (r.body as { text?: string })?.text === text);
    assert.deepEqual(sendsOf(text)[0]?.body, { number: `${lid}@lid`, text });
  });
});

describe('idempotency by client_id', () => {
  test('the same POST retried (also concurrently) makes one message and one send', async () => {
    const { conversationId } = await f.inbound(T, { from: f.nextPhone() });
    const text = 'una sola vez';
    const body = { text, client_id: 'weak-network-1' };
    const first = await f.reply(T, conversationId, body);
    const again = await Promise.all([f.reply(T, conversationId, body), f.reply(T, conversationId, body)]);
    assert.equal(first.status, 201);
    for (const r of again) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal((r.body.message as MessagePayload).id, (first.body.message as MessagePayload).id);
    }
    await f.sim.waitForRequests((r) => (r.body as { text?: string })?.text === text);
    await f.t.node.sender.settled((first.body.message as MessagePayload).id);
    const later = await f.reply(T, conversationId, body);
    assert.equal(later.status, 200);
    assert.equal(
      (later.body.message as MessagePayload).status,
      'sent',
      'the answer carries the current state',
    );
    const stored = (await f.messages(T, conversationId)).filter((m) => m.content === text);
    assert.equal(stored.length, 1);
    assert.equal(sendsOf(text).length, 1);
  });

  test('a client_id used in another conversation is a 409', async () => {
    const c1 = await f.inbound(T, { from: f.nextPhone() });
    const c2 = await f.inbound(T, { from: f.nextPhone() });
    assert.equal((await f.reply(T, c1.conversationId, { text: 'x', client_id: 'shared-id' })).status, 201);
    const res = await f.reply(T, c2.conversationId, { text: 'x', client_id: 'shared-id' });
    assert.deepEqual([res.status, res.body.error], [409, 'client_id_conflict']);
  });
});

describe('provider failures', () => {
  async function replyAndSettle(text: string) {
    const { conversationId } = await f.inbound(T, { from: f.nextPhone() });
    const s = await f.t.connect(T);
    const res = await f.reply(T, conversationId, { text });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = (res.body.message as MessagePayload).id;
    await f.t.node.sender.settled(id);
    return { id, s, conversationId };
  }
  const onlyText = (text: string) => (r: { body: unknown }) => (r.body as { text?: string })?.text === text;

  test('5xx then success: retried with backoff, sent once it works', async () => {
    const text = 'tras dos 500';
    f.sim.fail(onlyText(text), { kind: 'status', ...evolutionError(500, 'Internal Server Error') }, 2);
    const { id, s } = await replyAndSettle(text);
    const sends = sendsOf(text);
    assert.equal(sends.length, 3);
    // FAST_SEND: base 20 ms, doubling, ±20 % jitter → gaps of at least 16 and 32 ms.
    const gaps = sends.slice(1).map((r, i) => r.receivedAt - (sends[i]?.receivedAt ?? 0));
    assert.ok((gaps[0] ?? 0) >= 16 && (gaps[1] ?? 0) >= 32, `backoff gaps ${gaps.join(', ')} ms`);
    await f.statusOn(s, id, 'sent');
  });

  test('429 then success: retried', async () => {
    const text = 'tras un 429';
    f.sim.fail(
      onlyText(text),
      {
        kind: 'status',
        status: 429,
        body: { message: 'Too Many Requests' },
        headers: { 'retry-after': '0' },
      },
      1,
    );
    const { id, s } = await replyAndSettle(text);
    assert.equal(sendsOf(text).length, 2);
    await f.statusOn(s, id, 'sent');
  });

  test('a timeout then success: retried', async () => {
    const text = 'tras un timeout';
    f.sim.fail(onlyText(text), { kind: 'timeout' }, 1);
    const { id, s } = await replyAndSettle(text);
    assert.equal(sendsOf(text).length, 2);
    await f.statusOn(s, id, 'sent');
  });

  test('provider down: every attempt fails, then failed with the reason', async () => {
    const text = 'proveedor caído';
    f.sim.fail(onlyText(text), { kind: 'status', ...evolutionError(503, 'Service Unavailable') }, 10);
    const { id, s, conversationId } = await replyAndSettle(text);
    assert.equal(sendsOf(text).length, 3, 'SEND_MAX_ATTEMPTS attempts');
    const failed = await f.statusOn(s, id, 'failed');
    const error = failed.error as { code: string; message: string };
    assert.equal(error.code, 'provider_unavailable');
    assert.match(error.message, /503/);
    assert.match(error.message, /Service Unavailable/);
    const stored = (await f.messages(T, conversationId)).find((m) => m.id === id);
    assert.equal(stored?.status, 'failed');
    assert.deepEqual(stored?.error, error);
    f.sim.clearFailures();
  });

  test('connection reset on every attempt: failed as unreachable', async () => {
    const text = 'conexión cortada';
    f.sim.fail(onlyText(text), { kind: 'reset' }, 10);
    const { id, s } = await replyAndSettle(text);
    assert.equal(sendsOf(text).length, 3);
    const failed = await f.statusOn(s, id, 'failed');
    assert.equal((failed.error as { code: string }).code, 'provider_unreachable');
    f.sim.clearFailures();
  });

  test("4xx: no retry, failed with Evolution's error text", async () => {
    const from = f.nextPhone();
    f.evo.notOnWhatsApp.add(from);
    const { conversationId } = await f.inbound(T, { from });
    const s = await f.t.connect(T);
    const res = await f.reply(T, conversationId, { text: 'a un número sin WhatsApp' });
    const id = (res.body.message as MessagePayload).id;
    const failed = await f.statusOn(s, id, 'failed');
    assert.equal(sendsOf('a un número sin WhatsApp').length, 1, 'never retried');
    const error = failed.error as { code: string; message: string };
    assert.equal(error.code, 'provider_rejected');
    assert.match(error.message, /^Evolution 400 Bad Request: /);
    assert.match(error.message, new RegExp(`${from} is not on WhatsApp`));

    const text = 'con body inválido';
    f.sim.fail(
      onlyText(text),
      { kind: 'status', ...evolutionError(400, [['instance requires property "text"']]) },
      1,
    );
    const other = await replyAndSettle(text);
    const f2 = await f.statusOn(other.s, other.id, 'failed');
    assert.equal(sendsOf(text).length, 1);
    assert.match((f2.error as { message: string }).message, /instance requires property "text"/);
  });

  test('retry of a failed reply: same id, pending again, then sent; 409 when it is not failed', async () => {
    const text = 'reintento manual';
    f.sim.fail(onlyText(text), { kind: 'status', ...evolutionError(500, 'boom') }, 3);
    const { id, s } = await replyAndSettle(text);
    await f.statusOn(s, id, 'failed');
    const retried = await f.postAs(T, `/api/messages/${id}/retry`);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const m = retried.body.message as MessagePayload;
    assert.deepEqual([m.id, m.status, m.error], [id, 'pending', null]);
    await f.statusOn(s, id, 'pending');
    await f.statusOn(s, id, 'sent');
    const again = await f.postAs(T, `/api/messages/${id}/retry`);
    assert.deepEqual([again.status, again.body.error], [409, 'not_failed']);
  });
});

describe('configuration', () => {
  test('an instance without a URL or API key answers 422 send_not_configured and stores nothing', async () => {
    await f.t.addTenant('bare');
    await f.t.addInstance({ tenantId: 'bare', name: 'bare-wa' });
    const res0 = await f.t.evolution(upsertBody({ instance: 'bare-wa', sender: null }));
    const conversationId = String(res0.body.conversation_id);
    const token = await f.t.token('bare');
    const res = await f.t.post(
      `/api/conversations/${conversationId}/messages`,
      { text: 'hola' },
      { authorization: `Bearer ${token}` },
    );
    assert.deepEqual([res.status, res.body.error], [422, 'send_not_configured']);
    assert.match(String(res.body.message), /no Evolution URL/);
    const page = await f.t.get(`/api/conversations/${conversationId}/messages`, token);
    assert.equal((page.body.items as unknown[]).length, 1, 'only the inbound message');
  });

  test('bad bodies are 400 invalid_request', async () => {
    const { conversationId } = await f.inbound(T, { from: f.nextPhone() });
    for (const body of [
      {},
      { text: '' },
      { text: '   ' },
      { text: 'x'.repeat(4097) },
      { text: 'x', client_id: '' },
      { text: { a: 1 } },
    ]) {
      const res = await f.reply(T, conversationId, body);
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_request'], JSON.stringify(body));
    }
  });

  test('a restarted node resumes a reply left pending (lease expired)', async () => {
    const { conversationId } = await f.inbound(T, { from: f.nextPhone() });
    const text = 'quedó pendiente';
    // Simulate a node that stored the reply and died before sending: no send, lease free.
    const hold = f.sim.hold((r) => (r.body as { text?: string })?.text === text);
    const res = await f.reply(T, conversationId, { text });
    const id = (res.body.message as MessagePayload).id;
    await f.sim.waitForRequests((r) => (r.body as { text?: string })?.text === text);
    await f.t.node.sender.stop(); // the "crash": the attempt is abandoned, its lease stays until it expires
    hold.release();
    await f.t.node.store.db
      .updateTable('messages')
      .set({ send_lease_until: 1 })
      .where('id', '=', id)
      .execute();
    const { ReplySender } = await import('./sender.js');
    const fresh = new ReplySender(f.t.node.store, f.t.node.bus, f.t.node.providers, f.t.node.logger, {
      timeoutMs: 300,
      maxAttempts: 3,
      retryBaseMs: 20,
      retryMaxMs: 80,
      resumeAfterMs: 1,
    });
    await eventually(async () => (await fresh.sweep()) >= 0, 1000);
    await fresh.settled(id);
    await eventually(
      async () => (await f.messages(T, conversationId)).find((m) => m.id === id)?.status === 'sent',
      3000,
      'resumed send',
    );
    await fresh.stop();
  });
});

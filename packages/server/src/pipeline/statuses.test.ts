/**
 * Statuses and echoes of replies (issue #5 §2–3) with Evolution's real
 * webhooks: statuses only move forward, a status that overtakes its message
 * is applied when the message appears, and the echo of a CRM reply
 * (`send.message`, or `messages.upsert` with fromMe) never makes a second
 * message — also when it arrives before the send's HTTP answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { randomMessageId, upsertBody } from '../../testing/evolution-fixtures.js';
import type { TestSocket } from '../../testing/harness.js';
import {
  EVOLUTION_SEND_TEXT,
  type EvolutionAck,
  messagesUpdateBody,
  sendMessageBody,
} from '../../testing/provider-simulator/evolution.js';
import { ReplyFixture } from '../../testing/reply-fixture.js';

const T = 'echo';
const INSTANCE = `${T}-wa`;
let f: ReplyFixture;

before(async () => {
  f = await ReplyFixture.start([T]);
});
after(() => f.close());

interface Sent {
  id: string;
  conversationId: string;
  from: string;
  keyId: string;
  text: string;
  s: TestSocket;
}

const byText = (text: string) => (r: { body: unknown }) => (r.body as { text?: string })?.text === text;

/** A conversation and a reply in it, with a known Evolution key.id; `hold` keeps Evolution's answer back. */
async function replyWithKnownId(text: string, opts: { hold?: boolean } = {}) {
  const from = f.nextPhone();
  const { conversationId } = await f.inbound(T, { from });
  const s = await f.t.connect(T);
  const keyId = randomMessageId();
  f.evo.nextIds.push(keyId);
  const held = opts.hold ? f.sim.hold(byText(text)) : undefined;
  const res = await f.reply(T, conversationId, { text });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const id = (res.body.message as MessagePayload).id;
  if (held) await f.sim.waitForRequests(byText(text));
  const sent: Sent = { id, conversationId, from, keyId, text, s };
  return { sent, release: () => held?.release() };
}

function update(sent: Sent, status: EvolutionAck, extra: { fromMe?: boolean; remoteJid?: string } = {}) {
  return f.webhook(
    T,
    messagesUpdateBody({
      instance: INSTANCE,
      keyId: sent.keyId,
      remoteJid: `${sent.from}@s.whatsapp.net`,
      status,
      sender: null,
      ...extra,
    }),
  );
}

/** The receipt Newton kept of a webhook answer. */
async function receiptOf(res: { body: Record<string, unknown> }) {
  const all = await f.t.node.store.receipts.list({ limit: 1000 });
  const found = all.find((r) => r.traceId === res.body.trace_id);
  assert.ok(found, `a receipt for ${String(res.body.trace_id)}`);
  return found;
}

async function statusesOf(sent: Sent): Promise<string[]> {
  return sent.s
    .events()
    .filter((e) => e.type === 'message_status' && e.message_id === sent.id)
    .map((e) => String(e.status));
}

async function onlyOneMessage(sent: Sent) {
  const all = (await f.messages(T, sent.conversationId)).filter((m) => m.content === sent.text);
  assert.equal(all.length, 1, `one message, got ${JSON.stringify(all)}`);
  return all[0] as Record<string, unknown>;
}

describe('statuses move forward only', () => {
  test('read before delivered ends as read; the late delivered changes nothing', async () => {
    const { sent } = await replyWithKnownId('orden invertido');
    await f.statusOn(sent.s, sent.id, 'sent');
    const read = await update(sent, 'READ');
    assert.deepEqual([read.status, read.body.outcome, read.body.status], [200, 'accepted', 'read']);
    const r1 = await receiptOf(read);
    assert.deepEqual(
      [r1.outcome, r1.event, r1.providerMessageId, r1.messageId],
      ['accepted', 'messages.update', sent.keyId, sent.id],
    );
    const late = await update(sent, 'DELIVERY_ACK');
    assert.deepEqual([late.status, late.body.outcome], [200, 'duplicate'], JSON.stringify(late.body));
    const r2 = await receiptOf(late);
    assert.deepEqual([r2.outcome, r2.reason], ['duplicate', 'message is already read']);
    const again = await update(sent, 'SERVER_ACK');
    assert.equal(again.body.outcome, 'duplicate');
    await f.statusOn(sent.s, sent.id, 'read');
    assert.deepEqual(await statusesOf(sent), ['sent', 'read']);
    assert.equal((await onlyOneMessage(sent)).status, 'read');
  });

  test('PLAYED is read; ERROR after delivered is ignored, ERROR after sent fails with a reason', async () => {
    const { sent } = await replyWithKnownId('audio escuchado');
    await f.statusOn(sent.s, sent.id, 'sent');
    await update(sent, 'DELIVERY_ACK');
    assert.equal((await update(sent, 'ERROR')).body.outcome, 'duplicate');
    await update(sent, 'PLAYED');
    await f.statusOn(sent.s, sent.id, 'read');

    const other = (await replyWithKnownId('no entregado')).sent;
    await f.statusOn(other.s, other.id, 'sent');
    await update(other, 'ERROR');
    const failed = await f.statusOn(other.s, other.id, 'failed');
    assert.equal((failed.error as { code: string }).code, 'provider_error');
  });

  test('edits (DELETED), inbound read receipts and group statuses are ignored and recorded', async () => {
    const { sent } = await replyWithKnownId('editado luego');
    await f.statusOn(sent.s, sent.id, 'sent');
    const edit = await update(sent, 'DELETED');
    assert.deepEqual([edit.status, edit.body.outcome], [200, 'ignored']);
    assert.match(String(edit.body.reason), /DELETED/);
    const r = await receiptOf(edit);
    assert.deepEqual([r.outcome, r.providerMessageId], ['ignored', sent.keyId]);
    assert.match(String(r.reason), /DELETED/);
    const theirs = await update(sent, 'READ', { fromMe: false });
    assert.deepEqual([theirs.body.outcome, theirs.body.reason], ['ignored', 'status of an inbound message']);
    const group = await update(sent, 'READ', { remoteJid: '120363041234567890@g.us' });
    assert.equal(group.body.outcome, 'ignored');
    const edited = await f.webhook(T, {
      event: 'messages.edited',
      instance: INSTANCE,
      data: { key: { id: sent.keyId } },
    });
    assert.equal(edited.body.outcome, 'ignored');
    assert.deepEqual(await statusesOf(sent), ['sent']);
    const malformed = await f.webhook(T, {
      event: 'messages.update',
      instance: INSTANCE,
      data: { status: 'READ' },
    });
    assert.deepEqual([malformed.status, malformed.body.reason], [400, 'missing "keyId"']);
  });
});

describe('a status that arrives before its message', () => {
  test('delivered before the send answer gave us key.id: kept, then applied when the answer arrives', async () => {
    const { sent, release } = await replyWithKnownId('estado adelantado', { hold: true });
    const early = await update(sent, 'DELIVERY_ACK');
    assert.deepEqual([early.status, early.body.outcome], [200, 'accepted']);
    assert.match(String(early.body.reason), /not known yet/);
    const kept = await receiptOf(early);
    assert.deepEqual([kept.outcome, kept.providerMessageId], ['accepted', sent.keyId]);
    assert.match(String(kept.reason), /not known yet/);
    release();
    await f.statusOn(sent.s, sent.id, 'delivered');
    assert.deepEqual(await statusesOf(sent), ['sent', 'delivered']);
    assert.equal((await onlyOneMessage(sent)).status, 'delivered');
  });

  test('read for a message typed on the phone, before its upsert: applied when the upsert arrives', async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(T, { from });
    const s = await f.t.connect(T);
    const keyId = randomMessageId();
    const early = await f.webhook(
      T,
      messagesUpdateBody({
        instance: INSTANCE,
        keyId,
        remoteJid: `${from}@s.whatsapp.net`,
        status: 'READ',
        sender: null,
      }),
    );
    assert.equal(early.body.outcome, 'accepted');
    const up = await f.webhook(
      T,
      upsertBody({
        instance: INSTANCE,
        sender: null,
        from,
        fromMe: true,
        id: keyId,
        text: 'escrito en el teléfono',
      }),
    );
    assert.equal(up.body.outcome, 'accepted');
    const nm = await s.next(
      (e) => e.type === 'new_message' && (e.message as MessagePayload).provider_message_id === keyId,
    );
    const m = nm.message as MessagePayload;
    assert.deepEqual([m.sender, m.direction, m.sender_user_id], ['agent', 'outbound', null]);
    await f.statusOn(s, m.id, 'read');
    const stored = (await f.messages(T, conversationId)).find((x) => x.id === m.id);
    assert.equal(stored?.status, 'read');
  });
});

describe('echoes of CRM replies are never a second message', () => {
  const echoes: [string, (sent: Sent) => unknown][] = [
    [
      'send.message',
      (sent) =>
        sendMessageBody({
          instance: INSTANCE,
          keyId: sent.keyId,
          to: sent.from,
          text: sent.text,
          sender: null,
        }),
    ],
    [
      'messages.upsert fromMe',
      (sent) =>
        upsertBody({
          instance: INSTANCE,
          sender: null,
          from: sent.from,
          fromMe: true,
          id: sent.keyId,
          text: sent.text,
          status: 'SERVER_ACK',
        }),
    ],
  ];
  for (const [name, echo] of echoes) {
    test(`${name} after the send answer → duplicate`, async () => {
      const { sent } = await replyWithKnownId(`eco después (${name})`);
      await f.statusOn(sent.s, sent.id, 'sent');
      const res = await f.webhook(T, echo(sent));
      assert.deepEqual([res.status, res.body.outcome, res.body.message_id], [200, 'duplicate', sent.id]);
      const m = await onlyOneMessage(sent);
      assert.deepEqual([m.id, m.provider_message_id, m.sender_user_id], [sent.id, sent.keyId, `agent-${T}`]);
    });

    test(`${name} BEFORE the send answer → matched to the stored reply`, async () => {
      const { sent, release } = await replyWithKnownId(`eco antes (${name})`, { hold: true });
      const res = await f.webhook(T, echo(sent));
      assert.deepEqual(
        [res.status, res.body.outcome, res.body.message_id, res.body.echo],
        [200, 'duplicate', sent.id, true],
      );
      release();
      await f.t.node.sender.settled(sent.id);
      await f.statusOn(sent.s, sent.id, 'sent');
      const m = await onlyOneMessage(sent);
      assert.deepEqual([m.provider_message_id, m.status], [sent.keyId, 'sent']);
      const again = await f.webhook(T, echo(sent));
      assert.equal(again.body.outcome, 'duplicate');
      assert.equal(
        sent.s
          .events()
          .filter((e) => e.type === 'new_message' && (e.message as MessagePayload).content === sent.text)
          .length,
        1,
        'one new_message',
      );
    });
  }

  test('an echo during a timed-out attempt stops the retries: sent, one send', async () => {
    const text = 'eco durante timeout';
    f.sim.fail(byText(text), { kind: 'timeout' }, 1);
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(T, { from });
    const s = await f.t.connect(T);
    const res = await f.reply(T, conversationId, { text });
    const id = (res.body.message as MessagePayload).id;
    await f.sim.waitForRequests(byText(text));
    const keyId = randomMessageId();
    const echo = await f.webhook(
      T,
      sendMessageBody({ instance: INSTANCE, keyId, to: from, text, sender: null }),
    );
    assert.equal(echo.body.echo, true);
    await f.t.node.sender.settled(id);
    await f.statusOn(s, id, 'sent');
    assert.equal(f.sim.requests(EVOLUTION_SEND_TEXT).filter(byText(text)).length, 1, 'no second send');
    const stored = (await f.messages(T, conversationId)).filter((m) => m.content === text);
    assert.deepEqual(
      stored.map((m) => [m.id, m.provider_message_id]),
      [[id, keyId]],
    );
  });

  test('a message typed on the phone (no pending reply) is a new agent message', async () => {
    const from = f.nextPhone();
    const { conversationId } = await f.inbound(T, { from });
    const res = await f.webhook(
      T,
      upsertBody({ instance: INSTANCE, sender: null, from, fromMe: true, text: 'desde el celular' }),
    );
    assert.equal(res.body.outcome, 'accepted');
    const m = (await f.messages(T, conversationId)).find((x) => x.content === 'desde el celular');
    assert.deepEqual([m?.sender, m?.direction, m?.sender_user_id], ['agent', 'outbound', null]);
  });
});

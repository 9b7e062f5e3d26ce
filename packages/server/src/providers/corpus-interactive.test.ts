/**
 * The fixture corpus of issue #13's interactive kinds (testing/corpus/): each
 * real-shaped Evolution or Cloud API body through the real webhook path, what
 * is stored (REST), and the frames: on both of the tenant's sockets exactly
 * once, never on another tenant's; a redelivery changes nothing. Also the
 * shapes that are no message: Evolution `messages.update` without `status`
 * (200, never 400), a late Cloud status (answered with the stored status),
 * and Cloud coexistence echoes (`smb_message_echoes`, the business's own messages).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import * as cloudButton from '../../testing/corpus/cloud-button-reply.js';
import * as cloudDuplicateStatus from '../../testing/corpus/cloud-duplicate-status.js';
import * as cloudFlow from '../../testing/corpus/cloud-flow-reply.js';
import * as cloudList from '../../testing/corpus/cloud-list-reply.js';
import * as cloudLocation from '../../testing/corpus/cloud-location-url.js';
import * as cloudOrder from '../../testing/corpus/cloud-order.js';
import * as cloudEcho from '../../testing/corpus/cloud-smb-message-echo.js';
import * as cloudTemplate from '../../testing/corpus/cloud-template-button.js';
import * as evoButtons from '../../testing/corpus/evolution-buttons-reply.js';
import * as evoInteractive from '../../testing/corpus/evolution-interactive-response.js';
import * as evoList from '../../testing/corpus/evolution-list-reply.js';
import * as evoLocation from '../../testing/corpus/evolution-location-url.js';
import * as evoPoll from '../../testing/corpus/evolution-poll-creation.js';
import * as evoPollVote from '../../testing/corpus/evolution-poll-vote.js';
import * as evoTemplate from '../../testing/corpus/evolution-template-button-reply.js';
import * as evoNoStatus from '../../testing/corpus/evolution-update-without-status.js';
import { useCorpusPair } from '../../testing/corpus-pair.js';
import { assertSubset } from '../../testing/evolution-webhook-node.js';
import type { Frame } from '../../testing/harness.js';

type Obj = Record<string, unknown>;
type MessageCase = { source: string; body: Obj; expected: Obj };

const corpus = useCorpusPair();

/** The provider id of the one message a corpus body carries. */
function providerIdOf(body: Obj): string {
  const data = body.data as Obj | undefined;
  if (data) return String((data.key as Obj).id);
  const [entry] = body.entry as Obj[];
  const [change] = (entry?.changes ?? []) as Obj[];
  const value = (change?.value ?? {}) as Obj;
  const items = (value.messages ?? value.message_echoes ?? []) as Obj[];
  return String(items[0]?.id);
}

const newMessage = (id: string) => (f: Frame) =>
  f.type === 'new_message' && (f.message as MessagePayload).provider_message_id === id;

async function storedAndPushedOnce(provider: 'evolution' | 'cloud', c: MessageCase, name: string) {
  const p = corpus();
  assert.ok(c.source.length > 0, `${name} names its source`);
  const post = () => (provider === 'evolution' ? p.evolution(c.body) : p.cloud(c.body));
  const r = await post();
  assert.deepEqual([r.status, r.body.outcome], [200, 'accepted'], JSON.stringify(r.body));
  const id = providerIdOf(c.body);
  const frame = await p.once(newMessage(id), name);
  assertSubset(frame.message, c.expected);
  const token = await p.t.token('acme');
  const list = await p.t.get(`/api/conversations/${frame.conversation_id}/messages`, token);
  const stored = (list.body.items as MessagePayload[]).find((m) => m.provider_message_id === id);
  assertSubset(stored, c.expected);
  const again = await post();
  assert.deepEqual([again.status, again.body.outcome], [200, 'duplicate'], 'redelivery');
  await p.once(newMessage(id), `${name} (after its redelivery)`);
  return frame;
}

describe('fixture corpus: interactive replies, polls, locations, orders (#13)', () => {
  const evolution: [string, MessageCase][] = [
    ['evolution-buttons-reply', evoButtons],
    ['evolution-list-reply', evoList],
    ['evolution-template-button-reply', evoTemplate],
    ['evolution-interactive-response', evoInteractive],
    ['evolution-poll-creation', evoPoll],
    ['evolution-location-url', evoLocation],
  ];
  const cloud: [string, MessageCase][] = [
    ['cloud-button-reply', cloudButton],
    ['cloud-list-reply', cloudList],
    ['cloud-template-button', cloudTemplate],
    ['cloud-flow-reply', cloudFlow],
    ['cloud-location-url', cloudLocation],
    ['cloud-order', cloudOrder],
  ];
  for (const [name, c] of evolution)
    test(name, () => storedAndPushedOnce('evolution', c, name).then(() => {}));
  for (const [name, c] of cloud) test(name, () => storedAndPushedOnce('cloud', c, name).then(() => {}));

  test('the conversation preview of a button reply is the chosen title', async () => {
    const p = corpus();
    const token = await p.t.token('acme');
    const list = await p.t.get('/api/conversations?limit=100', token);
    const previews = (list.body.items as Obj[]).map((c) => c.last_message_preview);
    assert.ok(previews.includes('Sí, confirmo'), JSON.stringify(previews));
  });
});

describe('fixture corpus: Evolution messages.update without status (#13)', () => {
  for (const [name, c] of [
    ['evolution-update-without-status', evoNoStatus],
    ['evolution-poll-vote', evoPollVote],
  ] as const) {
    test(`${name}: 200 with its reason and receipt, no event`, async () => {
      const p = corpus();
      assert.ok(c.source.length > 0);
      const before = p.a1.events().length;
      const r = await p.evolution(c.body);
      assert.deepEqual(
        [r.status, r.body.outcome, r.body.reason],
        [c.expected.status, c.expected.outcome, c.expected.reason],
      );
      const receipts = await p.t.node.store.receipts.list({ limit: 1000 });
      const mine = receipts.find((x) => x.traceId === r.body.trace_id);
      assert.deepEqual([mine?.outcome, mine?.reason, mine?.tenantId], ['ignored', c.expected.reason, 'acme']);
      await p.none(() => false, name);
      assert.equal(p.a1.events().length, before, 'no tenant event');
    });
  }

  test('a messages.update that carries the edited message is applied as the edit', async () => {
    const p = corpus();
    const id = '3EB0C4A1B2C3D4E5F6ED01';
    const original = structuredClone(evoButtons.body) as Obj;
    Object.assign(original.data as Obj, {
      key: { remoteJid: '573004441099@s.whatsapp.net', fromMe: false, id },
      message: { conversation: 'Quiero vender mi celular' },
      messageType: 'conversation',
    });
    assert.equal((await p.evolution(original)).status, 200);
    await p.once(newMessage(id), 'original');
    const edit = {
      ...evoNoStatus.body,
      data: {
        keyId: id,
        remoteJid: '573004441099@s.whatsapp.net',
        fromMe: false,
        update: {
          message: {
            editedMessage: {
              message: {
                protocolMessage: {
                  key: { remoteJid: '573004441099@s.whatsapp.net', fromMe: false, id },
                  type: 'MESSAGE_EDIT',
                  editedMessage: { conversation: 'Quiero vender mi iPhone 13' },
                  timestampMs: '1764979999000',
                },
              },
            },
          },
        },
      },
    };
    const r = await p.evolution(edit);
    assert.deepEqual([r.status, r.body.outcome], [200, 'accepted'], JSON.stringify(r.body));
    const updated = await p.once(
      (f) => f.type === 'message_updated' && (f.message as MessagePayload).provider_message_id === id,
      'edit',
    );
    assert.equal((updated.message as MessagePayload).content, 'Quiero vender mi iPhone 13');
  });
});

describe('fixture corpus: Cloud coexistence echoes and a late status (#13)', () => {
  test('cloud-smb-message-echo: stored as the business’s own message to the customer', async () => {
    const frame = await storedAndPushedOnce('cloud', cloudEcho, 'cloud-smb-message-echo');
    assert.equal((frame.lead as Obj).phone, '+16505552007');
    assert.equal((frame.conversation as Obj).unread_count, 0, 'an agent message is never unread');
  });

  test('cloud-duplicate-status: a late delivered after read is answered with the stored status', async () => {
    const p = corpus();
    const read = await p.cloud(cloudDuplicateStatus.read);
    assert.deepEqual([read.status, read.body.outcome, read.body.status], [200, 'accepted', 'read']);
    const wamid = cloudEcho.WAMID;
    const isStatus = (f: Frame) => f.type === 'message_status' && f.provider_message_id === wamid;
    await p.once(isStatus, 'read status');
    const late = await p.cloud(cloudDuplicateStatus.body);
    const { outcome, status, reason } = cloudDuplicateStatus.expected;
    assert.deepEqual(
      [late.status, late.body.outcome, late.body.status, late.body.reason],
      [200, outcome, status, reason],
    );
    await p.once(isStatus, 'no second status event');
  });
});

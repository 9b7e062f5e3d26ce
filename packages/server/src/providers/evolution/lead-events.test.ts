/**
 * Evolution webhooks about a contact (#13), on a real node: `contacts.update`
 * and `contacts.upsert` keep a known lead's name and picture current (never
 * from empty values, never creating a lead), and `call` writes one call entry
 * per call (missed counts as unread, answered does not). Each reaches every
 * socket of the tenant once and nothing of another tenant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LeadPayload, MessagePayload } from '@newton/protocol';
import * as adCase from '../../../testing/corpus/evolution-ad-referral.js';
import * as callCase from '../../../testing/corpus/evolution-call.js';
import * as contactsUpdate from '../../../testing/corpus/evolution-contacts-update.js';
import * as contactsUpsert from '../../../testing/corpus/evolution-contacts-upsert.js';
import type { Frame, TestSocket } from '../../../testing/harness.js';
import { ReplyFixture } from '../../../testing/reply-fixture.js';

const A = 'leada';
const B = 'leadb';
let f: ReplyFixture;

before(async () => {
  f = await ReplyFixture.start([A, B]);
});
after(() => f.close());

/** Waits until a fresh inbound message reached `s`: every event before it has arrived too. */
async function barrier(tenant: string, s: TestSocket) {
  const { messageId } = await f.inbound(tenant, { from: f.nextPhone(), text: 'barrera' });
  await s.next((x) => x.type === 'new_message' && (x.message as MessagePayload).id === messageId);
}

const leadFrames = (s: TestSocket, leadId: string): Frame[] =>
  s.frames.filter((x) => x.type === 'lead_updated' && (x.lead as LeadPayload).id === leadId);

async function leadRow(tenant: string, phone: string) {
  return f.t.node.store.db
    .selectFrom('leads')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('phone', '=', `+${phone}`)
    .execute();
}

describe('contacts.update / contacts.upsert (source: testing/corpus/evolution-contacts-*.ts)', () => {
  test("a known lead's new name and picture reach every socket once; empty values and unknown contacts change nothing", async () => {
    const from = f.nextPhone();
    const first = await f.inbound(A, { from, pushName: 'María' });
    const s1 = await f.t.connect(A);
    const s2 = await f.t.connect(A);
    const sB = await f.t.connect(B);
    const picture = contactsUpdate.pictureUrl('9001');
    const res = await f.webhook(
      A,
      contactsUpdate.body({ instance: `${A}-wa`, from, pushName: 'María Gómez', profilePicUrl: picture }),
    );
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.updated],
      [200, 'accepted', 1],
      JSON.stringify(res.body),
    );
    const [lead] = await leadRow(A, from);
    assert.ok(lead);
    assert.deepEqual([lead.name, lead.picture_url], ['María Gómez', picture]);
    for (const s of [s1, s2]) {
      const e = await s.next((x) => x.type === 'lead_updated' && (x.lead as LeadPayload).id === lead.id);
      assert.deepEqual(e.lead, {
        id: lead.id,
        name: 'María Gómez',
        phone: `+${from}`,
        picture_url: picture,
        attributes: {},
      });
    }
    const conv = await f.getJson(A, `/api/conversations/${first.conversationId}`);
    assert.equal(
      (conv.lead as LeadPayload).picture_url,
      picture,
      'the REST conversation carries the picture',
    );

    // Evolution's echo after a fromMe message: empty pushName, no picture → nothing changes.
    const empty = await f.webhook(
      A,
      contactsUpdate.body({ instance: `${A}-wa`, from, pushName: '', profilePicUrl: null }),
    );
    assert.equal(empty.body.outcome, 'duplicate', JSON.stringify(empty.body));
    // Contact sync names an unnamed contact by its digits: not a name.
    const digits = await f.webhook(
      A,
      contactsUpsert.body({ instance: `${A}-wa`, contacts: [[from, null, picture]] }),
    );
    assert.equal(digits.body.outcome, 'duplicate', JSON.stringify(digits.body));
    // A contact that is no lead: ignored with the reason, no lead made.
    const stranger = f.nextPhone();
    const unknown = await f.webhook(A, contactsUpdate.body({ instance: `${A}-wa`, from: stranger }));
    assert.equal(unknown.body.outcome, 'ignored');
    assert.match(
      String(unknown.body.reason),
      /not a lead of this tenant \(contact sync never creates leads\)/,
    );
    assert.equal((await leadRow(A, stranger)).length, 0);
    // The same contact through tenant B's instance: B has no such lead.
    const other = await f.webhook(B, contactsUpdate.body({ instance: `${B}-wa`, from, pushName: 'Intrusa' }));
    assert.equal(other.body.outcome, 'ignored');
    assert.equal((await leadRow(A, from))[0]?.name, 'María Gómez');

    await barrier(A, s1);
    await barrier(A, s2);
    for (const s of [s1, s2]) assert.equal(leadFrames(s, lead.id).length, 1, 'lead_updated once');
    assert.equal(leadFrames(sB, lead.id).length, 0, 'nothing on the other tenant');
    assert.ok(!sB.frames.some((x) => x.type === 'lead_updated'), 'no lead_updated on the other tenant');
    const receipts = await f.t.node.store.receipts.list({ limit: 1000 });
    const mine = receipts.find((r) => r.traceId === res.body.trace_id);
    assert.deepEqual([mine?.outcome, mine?.event, mine?.tenantId], ['accepted', 'contacts.update', A]);
  });
});

describe('call (source: testing/corpus/evolution-call.ts)', () => {
  test('a missed call is one unread call entry; an answered one is not unread; steps after the end change nothing', async () => {
    const from = f.nextPhone();
    const first = await f.inbound(A, { from });
    await f.postAs(A, `/api/conversations/${first.conversationId}/read`);
    const s1 = await f.t.connect(A);
    const s2 = await f.t.connect(A);
    const sB = await f.t.connect(B);
    const missed = callCase.callId();
    const post = (id: string, status: Parameters<typeof callCase.body>[0]['status'], isVideo = false) =>
      f.webhook(A, callCase.body({ instance: `${A}-wa`, id, from, status, isVideo }));

    const offer = await post(missed, 'offer');
    assert.equal(offer.body.outcome, 'ignored');
    assert.match(String(offer.body.reason), /written when the call ends/);
    const timeout = await post(missed, 'timeout');
    assert.deepEqual([timeout.status, timeout.body.outcome, timeout.body.call], [200, 'accepted', 'missed']);
    assert.equal(timeout.body.conversation_id, first.conversationId);
    assert.equal((await post(missed, 'terminate')).body.outcome, 'duplicate');

    const answered = callCase.callId();
    await post(answered, 'offer', true);
    const accept = await post(answered, 'accept', true);
    assert.deepEqual([accept.body.outcome, accept.body.call], ['accepted', 'answered']);
    assert.equal((await post(answered, 'terminate', true)).body.outcome, 'duplicate');

    for (const s of [s1, s2]) {
      const entry = (id: unknown) => (x: Frame) =>
        x.type === 'new_message' && (x.message as MessagePayload).id === id;
      const m = (await s.next(entry(timeout.body.message_id))).message as MessagePayload;
      assert.deepEqual(
        [m.type, m.call, m.sender, m.content],
        ['call', { status: 'missed', video: false }, 'lead', null],
      );
      const a = (await s.next(entry(accept.body.message_id))).message as MessagePayload;
      assert.deepEqual(a.call, { status: 'answered', video: true });
    }
    const conv = await f.getJson(A, `/api/conversations/${first.conversationId}`);
    assert.equal(conv.unread_count, 1, 'the missed call is unread, the answered one is not');
    const calls = (await f.messages(A, first.conversationId)).filter((m) => m.type === 'call');
    assert.equal(calls.length, 2);

    await barrier(A, s1);
    await barrier(A, s2);
    for (const s of [s1, s2]) {
      const entries = s.frames.filter(
        (x) => x.type === 'new_message' && (x.message as MessagePayload).type === 'call',
      );
      assert.equal(entries.length, 2, 'each call entry once');
    }
    assert.ok(
      !sB.frames.some((x) => x.type === 'new_message' && (x.message as MessagePayload).type === 'call'),
      'nothing on the other tenant',
    );
  });

  test('a first call from a new number makes its lead and conversation, as a message would', async () => {
    const from = f.nextPhone();
    const res = await f.webhook(
      A,
      callCase.body({ instance: `${A}-wa`, id: callCase.callId(), from, status: 'reject' }),
    );
    assert.deepEqual([res.body.outcome, res.body.call], ['accepted', 'rejected'], JSON.stringify(res.body));
    assert.equal((await leadRow(A, from)).length, 1);
    const conv = await f.getJson(A, `/api/conversations/${String(res.body.conversation_id)}`);
    assert.equal(conv.unread_count, 1);
  });
});

describe('click-to-WhatsApp ad (source: testing/corpus/evolution-ad-referral.ts)', () => {
  test("is kept on the message (never its thumbnail bytes) and is the lead's first touch", async () => {
    const from = f.nextPhone();
    const s1 = await f.t.connect(A);
    const s2 = await f.t.connect(A);
    const sB = await f.t.connect(B);
    const res = await f.webhook(A, adCase.body({ instance: `${A}-wa`, from }));
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    const ad = adCase.externalAdReply;
    for (const s of [s1, s2]) {
      const n = await s.next(
        (x) => x.type === 'new_message' && (x.message as MessagePayload).id === res.body.message_id,
      );
      assert.deepEqual((n.message as MessagePayload).referral, {
        source_url: ad.sourceUrl,
        source_id: ad.sourceId,
        source_type: 'ad',
        headline: ad.title,
        body: ad.body,
        media_type: 'image',
        image_url: ad.mediaUrl,
        video_url: null,
        thumbnail_url: ad.thumbnailUrl,
        ctwa_clid: ad.ctwaClid,
      });
      assert.ok(!JSON.stringify(n).includes(ad.thumbnail), 'no thumbnail bytes in the event');
      const created = await s.next(
        (x) => x.type === 'lead_created' && (x.lead as LeadPayload).id === n.lead_id,
      );
      assert.equal((created.lead as LeadPayload).attribution?.ctwa_clid, ad.ctwaClid);
    }
    await barrier(A, s1);
    assert.ok(
      !sB.frames.some((x) => x.type === 'new_message' && (x.message as MessagePayload).referral),
      'nothing on the other tenant',
    );
  });
});

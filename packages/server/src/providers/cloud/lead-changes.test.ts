/**
 * Cloud API webhooks that change the lead itself (#13), on a real node:
 * `user_changed_number` moves the lead to its new number (one lead, one
 * conversation, a `system` entry that is not unread), `referral` stays on
 * the message and becomes the lead's first touch (once), and account
 * webhooks answer `account`, never unroutable. Each reaches every socket of
 * the tenant once and nothing of another tenant.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeadPayload, MessagePayload } from '@newton/protocol';
import { cloudBody, messagesValue } from '../../../testing/cloud-fixtures.js';
import { CLOUD_A as A, CLOUD_B as B, newMessageFor, useCloudPair } from '../../../testing/cloud-pair.js';
import * as referralCase from '../../../testing/corpus/cloud-referral.js';
import * as templateCase from '../../../testing/corpus/cloud-template-status.js';
import * as changedCase from '../../../testing/corpus/cloud-user-changed-number.js';
import type { Frame, TestSocket } from '../../../testing/harness.js';

const cloud = useCloudPair();

async function text(from: string, body = 'Hola') {
  const res = await cloud().post(
    cloudBody(messagesValue({ phoneNumberId: A.pnid, from, content: { type: 'text', text: { body } } })),
    A.secret,
  );
  assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  return res;
}

async function leadsOf(tenant: string, phones: string[]) {
  return cloud()
    .t.node.store.db.selectFrom('leads')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where(
      'phone',
      'in',
      phones.map((p) => `+${p}`),
    )
    .execute();
}

/** Waits until a fresh message reached `s`: every event before it has arrived too. */
async function barrier(s: TestSocket) {
  const res = await text(cloud().nextPhone(), 'barrera');
  await s.next((x) => x.type === 'new_message' && (x.message as MessagePayload).id === res.body.message_id);
}

describe('user_changed_number (source: testing/corpus/cloud-user-changed-number.ts)', () => {
  test('moves the lead to its new number: no second lead, later messages land in the same conversation, every socket once', async () => {
    const oldWaId = cloud().nextPhone();
    const newWaId = cloud().nextPhone();
    const first = await text(oldWaId, 'Quiero vender mi iPhone');
    const s1 = cloud().socketA;
    const s2 = await cloud().t.connect(A.tenant);
    const sB = cloud().socketB;
    const [lead] = await leadsOf(A.tenant, [oldWaId]);
    assert.ok(lead);

    const body = changedCase.body({ phoneNumberId: A.pnid, oldWaId, newWaId });
    const res = await cloud().post(body, A.secret);
    assert.deepEqual(
      [res.status, res.body.outcome, res.body.lead_id],
      [200, 'accepted', lead.id],
      JSON.stringify(res.body),
    );
    assert.equal(res.body.conversation_id, first.body.conversation_id);
    for (const s of [s1, s2]) {
      const u = await s.next((x) => x.type === 'lead_updated' && (x.lead as LeadPayload).id === lead.id);
      assert.equal((u.lead as LeadPayload).phone, `+${newWaId}`);
      const n = await s.next(
        (x) => x.type === 'new_message' && (x.message as MessagePayload).id === res.body.message_id,
      );
      const m = n.message as MessagePayload;
      assert.deepEqual(
        [m.type, m.system, n.conversation_id, (n.lead as LeadPayload).phone],
        [
          'system',
          { kind: 'user_changed_number', old_phone: `+${oldWaId}`, new_phone: `+${newWaId}` },
          first.body.conversation_id,
          `+${newWaId}`,
        ],
      );
      assert.match(String(m.content), new RegExp(`changed from ${oldWaId} to ${newWaId}`));
    }
    // The same webhook again (Meta retries): nothing changes.
    assert.equal((await cloud().post(body, A.secret)).body.outcome, 'duplicate');
    // The customer writes from the new number: same lead, same conversation.
    const later = await text(newWaId, 'Ya tengo número nuevo');
    assert.equal(later.body.conversation_id, first.body.conversation_id);
    const leads = await leadsOf(A.tenant, [oldWaId, newWaId]);
    assert.deepEqual(
      leads.map((l) => [l.id, l.phone]),
      [[lead.id, `+${newWaId}`]],
      'one lead, on the new number',
    );
    const conv = await cloud().t.get(
      `/api/conversations/${String(first.body.conversation_id)}`,
      await cloud().t.token(A.tenant),
    );
    assert.deepEqual(
      [conv.body.unread_count, (conv.body.lead as LeadPayload).phone],
      [2, `+${newWaId}`],
      'the system entry is not unread',
    );
    const list = await cloud().t.get('/api/conversations?limit=200', await cloud().t.token(A.tenant));
    const mine = (list.body.items as { lead_id: string }[]).filter((c) => c.lead_id === lead.id);
    assert.equal(mine.length, 1, 'one conversation');

    await barrier(s1);
    await barrier(s2);
    for (const s of [s1, s2]) {
      const moved: Frame[] = s.frames.filter(
        (x) => x.type === 'lead_updated' && (x.lead as LeadPayload).id === lead.id,
      );
      assert.equal(moved.length, 1, 'lead_updated once');
      const notices: Frame[] = s.frames.filter(
        (x) => x.type === 'new_message' && (x.message as MessagePayload).type === 'system',
      );
      assert.equal(notices.length, 1, 'the notice once');
    }
    assert.ok(
      !sB.frames.some(
        (x: Frame) =>
          x.type === 'lead_updated' ||
          (x.type === 'new_message' && (x.message as MessagePayload).type === 'system'),
      ),
      'nothing on the other tenant',
    );
    const [receipt] = await cloud().receiptsOf(String(res.body.trace_id));
    assert.deepEqual([receipt?.outcome, receipt?.tenantId], ['accepted', A.tenant]);
  });

  test('a number change of a customer no lead has is ignored with the reason; none is made', async () => {
    const oldWaId = cloud().nextPhone();
    const newWaId = cloud().nextPhone();
    const res = await cloud().post(changedCase.body({ phoneNumberId: A.pnid, oldWaId, newWaId }), A.secret);
    assert.equal(res.body.outcome, 'ignored');
    assert.match(String(res.body.reason), /no lead has the old number/);
    assert.equal((await leadsOf(A.tenant, [oldWaId, newWaId])).length, 0);
  });
});

describe('referral (source: testing/corpus/cloud-referral.ts)', () => {
  test("is kept on the message and is the lead's first touch, set once", async () => {
    const from = cloud().nextPhone();
    const s2 = await cloud().t.connect(A.tenant);
    const body = referralCase.body({ phoneNumberId: A.pnid, from });
    const res = await cloud().post(body, A.secret);
    assert.equal(res.body.outcome, 'accepted');
    type Body = { entry: { changes: { value: { messages: { id: string }[] } }[] }[] };
    const wamid = String((body as unknown as Body).entry[0]?.changes[0]?.value.messages[0]?.id);
    const { welcome_message: _, ...expected } = referralCase.referral;
    for (const s of [cloud().socketA, s2]) {
      const n = await newMessageFor(s, wamid);
      assert.deepEqual((n.message as MessagePayload).referral, { ...expected, video_url: null });
      const created = await s.next(
        (x) => x.type === 'lead_created' && (x.lead as LeadPayload).id === n.lead_id,
      );
      const attribution = (created.lead as LeadPayload).attribution;
      assert.equal(attribution?.ctwa_clid, expected.ctwa_clid);
      assert.equal(attribution?.message_id, res.body.message_id);
    }
    // A later ad does not replace the first touch.
    const again = referralCase.body({
      phoneNumberId: A.pnid,
      from,
      withReferral: { ...referralCase.referral, source_id: '999', ctwa_clid: 'second-click' },
    });
    assert.equal((await cloud().post(again, A.secret)).body.outcome, 'accepted');
    const lead = await cloud().t.get(
      `/api/leads/${String((await leadsOf(A.tenant, [from]))[0]?.id)}`,
      await cloud().t.token(A.tenant),
    );
    assert.equal((lead.body.attribution as { ctwa_clid: string }).ctwa_clid, expected.ctwa_clid);
    assert.ok(
      !cloud().socketB.frames.some((x) => x.type === 'new_message' && (x.message as MessagePayload).referral),
      'nothing on the other tenant',
    );
  });
});

describe('account webhooks (source: testing/corpus/cloud-template-status.ts)', () => {
  test('answer `account`, never unroutable: before the account is known, and after', async () => {
    const waba = '431900000000777';
    const before = await cloud().post(templateCase.body({ wabaId: waba }), B.secret);
    assert.deepEqual([before.status, before.body.outcome], [200, 'account'], JSON.stringify(before.body));
    assert.match(String(before.body.reason), /no Cloud API instance is known to belong to that account yet/);
    // A message webhook of B's number names its account: Newton learns it.
    const msg = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: waba,
          changes: [
            { field: 'messages', value: messagesValue({ phoneNumberId: B.pnid, from: cloud().nextPhone() }) },
          ],
        },
      ],
    };
    assert.equal((await cloud().post(msg, B.secret)).body.outcome, 'accepted');
    const seq = (await cloud().t.node.store.logState(B.tenant))?.lastSeq;
    const after = await cloud().post(
      templateCase.body({ wabaId: waba, event: 'REJECTED', reason: 'INVALID_FORMAT' }),
      B.secret,
    );
    assert.deepEqual(
      [after.body.outcome, after.body.reason],
      ['account', 'template "order_confirmation" (es) REJECTED (INVALID_FORMAT)'],
      JSON.stringify(after.body),
    );
    const [r] = await cloud().receiptsOf(String(after.body.trace_id));
    assert.deepEqual(
      [r?.outcome, r?.tenantId, r?.event],
      ['account', B.tenant, 'message_template_status_update'],
    );
    assert.equal((await cloud().t.node.store.logState(B.tenant))?.lastSeq, seq, 'no event');
    const suspects = await cloud().t.node.store.receipts.suspects({
      tenantId: B.tenant,
      instanceNames: [B.pnid],
      numbers: [],
      since: 0,
      limit: 100,
    });
    assert.equal(suspects.length, 0, 'doctor counts none of them as unroutable');
  });
});

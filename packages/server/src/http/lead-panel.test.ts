/**
 * The lead panel's REST (#15) on a real node, SQLite or PostgreSQL:
 * `GET /api/leads/{id}` (number, first contact, first-touch ad, attributes,
 * every conversation of the lead on the tenant's Cloud and Evolution numbers)
 * and `PATCH /api/leads/{id}` (the agents' name and key/value attributes →
 * one seq'd `lead_updated` on every socket of the tenant, replayed on resume;
 * a provider's name never undoes the agents'), bad input and another
 * tenant's token (4xx with a code, nothing stored, no event).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LEAD_LIMITS, type LeadDetail, type LeadListItem, type LeadPayload } from '@newton/protocol';
import { CLOUD_A as A, CLOUD_B as B, useCloudPair } from '../../testing/cloud-pair.js';
import * as referralCase from '../../testing/corpus/cloud-referral.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import type { Frame, TestSocket } from '../../testing/harness.js';

const cloud = useCloudPair();
const EVOLUTION = `${A.tenant}-wa`;
let tokenA: string;
let tokenB: string;

let ready: Promise<void> | undefined;
/** Tenant A's Evolution number and both tokens, once (the pair starts in its own hook). */
function setUp(): Promise<void> {
  ready ??= (async () => {
    const t = cloud().t;
    await t.addInstance({ tenantId: A.tenant, name: EVOLUTION });
    tokenA = await t.token(A.tenant);
    tokenB = await t.token(B.tenant);
  })();
  return ready;
}

/** A customer who came from an ad to the Cloud number, then wrote to the Evolution number: one lead, two conversations. */
async function leadFromAd(): Promise<{ leadId: string; phone: string; conversations: string[] }> {
  await setUp();
  const phone = cloud().nextPhone();
  const first = await cloud().post(referralCase.body({ phoneNumberId: A.pnid, from: phone }), A.secret);
  assert.equal(first.body.outcome, 'accepted', JSON.stringify(first.body));
  const second = await cloud().t.evolution(
    upsertBody({
      instance: EVOLUTION,
      sender: null,
      from: phone,
      pushName: 'Sheena Nelson',
      text: 'Otra línea',
    }),
  );
  assert.equal(second.body.outcome, 'accepted', JSON.stringify(second.body));
  const conv = await cloud().t.get(`/api/conversations/${String(first.body.conversation_id)}`, tokenA);
  return {
    leadId: String(conv.body.lead_id),
    phone,
    conversations: [String(first.body.conversation_id), String(second.body.conversation_id)],
  };
}

const patch = (id: string, body: unknown, token = tokenA) =>
  cloud().t.request('PATCH', `/api/leads/${encodeURIComponent(id)}`, token, body);
const detail = async (id: string, token = tokenA): Promise<LeadDetail> => {
  const res = await cloud().t.get(`/api/leads/${encodeURIComponent(id)}`, token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as unknown as LeadDetail;
};

async function lastSeq(tenant: string): Promise<number> {
  const row = await cloud()
    .t.node.store.db.selectFrom('tenants')
    .select('last_seq')
    .where('id', '=', tenant)
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

async function leadRow(id: string) {
  return cloud()
    .t.node.store.db.selectFrom('leads')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

const leadUpdated = (s: TestSocket, id: string, from = 0): Promise<Frame> =>
  s.next((f) => f.type === 'lead_updated' && (f.lead as LeadPayload).id === id, 5000, from);

describe('GET /api/leads/{id}', () => {
  test('number, first contact, the ad it came from, no attributes yet, and its conversations on both numbers', async () => {
    const { leadId, phone, conversations } = await leadFromAd();
    const d = await detail(leadId);
    assert.equal(d.phone, `+${phone}`);
    assert.equal(d.name, 'Sheena Nelson');
    assert.equal(d.profile_name, undefined, 'no agent named it');
    assert.deepEqual(d.attributes, {});
    assert.equal(d.attribution?.source_id, referralCase.referral.source_id);
    assert.equal(d.attribution?.headline, referralCase.referral.headline);
    assert.ok(Date.parse(d.first_contact_at) <= Date.parse(d.created_at) + 1000, d.first_contact_at);
    assert.deepEqual(d.conversations.map((c) => c.id).sort(), [...conversations].sort());
    assert.ok(d.conversations.every((c) => c.lead_id === leadId && c.lead.name === 'Sheena Nelson'));
    assert.deepEqual(
      new Set(d.conversations.map((c) => c.instance_id)).size,
      2,
      'one conversation per number of the tenant',
    );
  });

  test("another tenant's token gets 404 not_found, like a lead that does not exist", async () => {
    const { leadId } = await leadFromAd();
    for (const [id, token] of [
      [leadId, tokenB],
      ['no-such-lead', tokenA],
    ] as const) {
      const res = await cloud().t.get(`/api/leads/${id}`, token);
      assert.deepEqual([res.status, res.body.error], [404, 'not_found']);
    }
    const res = await cloud().t.get(`/api/leads/${leadId}`);
    assert.deepEqual([res.status, res.body.error], [401, 'unauthorized']);
  });
});

describe('PATCH /api/leads/{id}', () => {
  test("the agents' name and attributes: stored, one lead_updated on every socket of the tenant, none elsewhere", async () => {
    const { leadId, conversations } = await leadFromAd();
    const s1 = cloud().socketA;
    const s2 = await cloud().t.connect(A.tenant);
    const from1 = s1.events().length;
    const fromB = cloud().socketB.events().length;
    const before = await lastSeq(A.tenant);

    const res = await patch(leadId, {
      name: '  Sheena (Acme Corp)  ',
      attributes: { plan: 'pro', ' city ': 'Bogotá' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const lead = res.body as unknown as LeadListItem;
    assert.equal(lead.name, 'Sheena (Acme Corp)', 'trimmed');
    assert.equal(lead.profile_name, 'Sheena Nelson');
    assert.deepEqual(lead.attributes, { plan: 'pro', city: 'Bogotá' });
    assert.equal(await lastSeq(A.tenant), before + 1, 'one event');

    for (const [s, from] of [
      [s1, from1],
      [s2, 0],
    ] as const) {
      const e = await leadUpdated(s, leadId, from);
      assert.equal(e.seq, before + 1);
      const { created_at: _, updated_at: __, ...payload } = lead;
      assert.deepEqual(e.lead, payload, 'the event carries the lead the answer gave');
      assert.equal((e.lead as LeadPayload).name, 'Sheena (Acme Corp)');
      assert.deepEqual((e.lead as LeadPayload).attributes, { plan: 'pro', city: 'Bogotá' });
    }
    // Every conversation of the lead reads the agents' name.
    for (const id of conversations) {
      const c = await cloud().t.get(`/api/conversations/${id}`, tokenA);
      assert.equal((c.body.lead as LeadPayload).name, 'Sheena (Acme Corp)');
      assert.deepEqual((c.body.lead as LeadPayload).attributes, { plan: 'pro', city: 'Bogotá' });
    }
    // Tenant B's socket got nothing of it: a fresh B event arrives with nothing before it.
    const b = await cloud().post(
      referralCase.body({ phoneNumberId: B.pnid, from: cloud().nextPhone(), text: 'barrera' }),
      B.secret,
    );
    await cloud().socketB.next(
      (f) => f.type === 'new_message' && f.conversation_id === b.body.conversation_id,
      5000,
      fromB,
    );
    assert.ok(
      cloud()
        .socketB.events()
        .slice(fromB)
        .every((f) => f.type !== 'lead_updated'),
    );
    s2.close();
  });

  test('attributes merge (null removes a key); the same edit again changes nothing and sends no event', async () => {
    const { leadId } = await leadFromAd();
    assert.equal((await patch(leadId, { attributes: { a: '1', b: '2', c: '3' } })).status, 200);
    const res = await patch(leadId, { attributes: { b: null, c: 'tres', d: '4' } });
    assert.deepEqual((res.body as unknown as LeadListItem).attributes, { a: '1', c: 'tres', d: '4' });
    const before = await lastSeq(A.tenant);
    const again = await patch(leadId, { attributes: { b: null, c: 'tres' } });
    assert.deepEqual(
      [again.status, (again.body as unknown as LeadListItem).attributes],
      [200, { a: '1', c: 'tres', d: '4' }],
    );
    assert.equal(await lastSeq(A.tenant), before, 'no event for no change');
    assert.deepEqual((await detail(leadId)).attributes, { a: '1', c: 'tres', d: '4' });
  });

  test('agents editing different attributes at once lose none: one event each, gapless seqs', async () => {
    const { leadId } = await leadFromAd();
    const before = await lastSeq(A.tenant);
    const keys = Array.from({ length: 8 }, (_, i) => `campo${i}`);
    const answers = await Promise.all(
      keys.map((k) => patch(leadId, { attributes: { [k]: k.toUpperCase() } })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      keys.map(() => 200),
    );
    assert.deepEqual(await lastSeq(A.tenant), before + keys.length);
    assert.deepEqual(
      (await detail(leadId)).attributes,
      Object.fromEntries(keys.map((k) => [k, k.toUpperCase()])),
    );
  });

  test("a provider's new profile name never undoes the agents' name; null gives the profile name back", async () => {
    const { leadId, phone } = await leadFromAd();
    await patch(leadId, { name: 'Cliente VIP' });
    const s = cloud().socketA;
    const from = s.events().length;
    // The customer's WhatsApp name changes: stored as the profile name, the agents' name still shows.
    const msg = await cloud().t.evolution(
      upsertBody({
        instance: EVOLUTION,
        sender: null,
        from: phone,
        pushName: 'Sheena N.',
        text: 'Hola otra vez',
      }),
    );
    assert.equal(msg.body.outcome, 'accepted');
    const e = await s.next(
      (f) => f.type === 'lead_updated' && (f.lead as LeadPayload).profile_name === 'Sheena N.',
      5000,
      from,
    );
    assert.deepEqual([(e.lead as LeadPayload).id, (e.lead as LeadPayload).name], [leadId, 'Cliente VIP']);
    assert.equal((await leadRow(leadId)).name, 'Sheena N.');

    const cleared = await patch(leadId, { name: '   ' });
    assert.equal(cleared.status, 200);
    const lead = cleared.body as unknown as LeadListItem;
    assert.deepEqual([lead.name, lead.profile_name], ['Sheena N.', undefined]);
    assert.equal((await patch(leadId, { name: null })).status, 200, 'null alike (already none)');
    assert.equal((await leadRow(leadId)).display_name, null);
  });

  test("GET /api/leads?q= finds a lead by the agents' name as by its WhatsApp name", async () => {
    const { leadId } = await leadFromAd();
    await patch(leadId, { name: 'Distribuidora Zeta' });
    for (const q of ['zeta', 'Sheena']) {
      const res = await cloud().t.get(`/api/leads?q=${encodeURIComponent(q)}&limit=200`, tokenA);
      const items = (res.body.items as LeadListItem[]).map((l) => l.id);
      assert.ok(items.includes(leadId), `q=${q}`);
    }
  });

  test('an edit is in the log: a socket resuming from before it gets the lead_updated', async () => {
    const { leadId } = await leadFromAd();
    const since = await lastSeq(A.tenant);
    await patch(leadId, { attributes: { origen: 'feria' } });
    const s = await cloud().t.connect(A.tenant, { since });
    const e = await leadUpdated(s, leadId);
    assert.equal(e.seq, since + 1);
    assert.deepEqual((e.lead as LeadPayload).attributes, { origen: 'feria' });
    s.close();
  });

  test("another tenant's token: 404 not_found, nothing changed, no event in either log", async () => {
    const { leadId } = await leadFromAd();
    const [a0, b0] = [await lastSeq(A.tenant), await lastSeq(B.tenant)];
    const row = await leadRow(leadId);
    for (const body of [{ name: 'Robado' }, { attributes: { x: 'y' } }]) {
      const res = await patch(leadId, body, tokenB);
      assert.deepEqual([res.status, res.body.error], [404, 'not_found'], JSON.stringify(res.body));
    }
    const missing = await patch('no-such-lead', { name: 'x' });
    assert.deepEqual([missing.status, missing.body.error], [404, 'not_found']);
    const anon = await cloud().t.request('PATCH', `/api/leads/${leadId}`, undefined, { name: 'x' });
    assert.deepEqual([anon.status, anon.body.error], [401, 'unauthorized']);
    assert.deepEqual(await leadRow(leadId), row);
    assert.deepEqual([await lastSeq(A.tenant), await lastSeq(B.tenant)], [a0, b0]);
  });

  test('bad input: 400 invalid_request with a message, nothing changed', async () => {
    const { leadId } = await leadFromAd();
    const full: Record<string, string> = {};
    for (let i = 0; i < LEAD_LIMITS.attributes; i++) full[`k${i}`] = 'v';
    assert.equal((await patch(leadId, { attributes: full })).status, 200, 'exactly the limit is fine');
    const row = await leadRow(leadId);
    const seq = await lastSeq(A.tenant);
    const bad: [string, unknown][] = [
      ['empty body', {}],
      ['unknown field', { name: 'x', phone: '+1' }],
      ['name too long', { name: 'x'.repeat(LEAD_LIMITS.nameChars + 1) }],
      ['name with a newline', { name: 'a\nb' }],
      ['name not a string', { name: { first: 'a' } }],
      ['attributes not an object', { attributes: ['a'] }],
      ['key too long', { attributes: { ['k'.repeat(LEAD_LIMITS.keyChars + 1)]: 'v' } }],
      ['blank key', { attributes: { '  ': 'v' } }],
      ['key with a control character', { attributes: { 'a\tb': 'v' } }],
      ['reserved key', { attributes: { __proto__: 'v' } }],
      ['value too long', { attributes: { a: 'v'.repeat(LEAD_LIMITS.valueChars + 1) } }],
      ['empty value', { attributes: { a: '' } }],
      ['value an object', { attributes: { a: { b: 'c' } } }],
      ['one attribute more than the limit', { attributes: { extra: 'v' } }],
    ];
    for (const [what, body] of bad) {
      // JSON.stringify drops an own __proto__ key set by a literal; send it as text.
      const raw = what === 'reserved key' ? '{"attributes":{"__proto__":"v"}}' : body;
      const res =
        typeof raw === 'string'
          ? await fetch(`${cloud().t.url}/api/leads/${leadId}`, {
              method: 'PATCH',
              headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
              body: raw,
            }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }))
          : await patch(leadId, raw);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      // The JSON parser itself refuses a __proto__ key (prototype poisoning).
      assert.equal(res.body.error, what === 'reserved key' ? 'invalid_json' : 'invalid_request', what);
      assert.equal(typeof res.body.message, 'string', what);
    }
    const big = await patch(leadId, { attributes: { a: 'x'.repeat(600 * 1024) } });
    assert.deepEqual([big.status, big.body.error], [413, 'payload_too_large']);
    assert.deepEqual(await leadRow(leadId), row);
    assert.equal(await lastSeq(A.tenant), seq);
  });
});

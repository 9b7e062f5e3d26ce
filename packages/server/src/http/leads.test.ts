/**
 * `GET /api/leads` (docs/api.md §2.2) against a real
 * node: keyset paging by `(updated_at desc, id desc)`, the `q` filter, input
 * bounds, tenant scoping and diagnostics probes kept out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LeadListItem, Page } from '@newton/protocol';
import { type UpsertOptions, upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestNewton } from '../../testing/harness.js';

let t: TestNewton;
let alpha: string;
let bravo: string;
let counter = 0;
const nextPhone = () => `5730088${String(++counter).padStart(5, '0')}`;

before(async () => {
  t = await TestNewton.start();
  for (const tenant of ['alpha', 'bravo']) {
    await t.addTenant(tenant);
    await t.addInstance({ tenantId: tenant, name: `${tenant}-wa` });
  }
  alpha = await t.token('alpha');
  bravo = await t.token('bravo');
});
after(() => t.close());

/** Stores one inbound message for `tenant` through the real webhook path; returns its lead id. */
async function leadFrom(tenant: string, opts: UpsertOptions): Promise<string> {
  const res = await t.evolution(upsertBody({ instance: `${tenant}-wa`, sender: null, ...opts }));
  assert.deepEqual([res.status, res.body.outcome], [200, 'accepted'], JSON.stringify(res.body));
  const conv = await t.get(`/api/conversations/${String(res.body.conversation_id)}`, await t.token(tenant));
  assert.equal(conv.status, 200);
  return String(conv.body.lead_id);
}

async function list(query: string, token = alpha): Promise<Page<LeadListItem>> {
  const res = await t.get(`/api/leads${query}`, token);
  assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
  return res.body as unknown as Page<LeadListItem>;
}

/** Every page of `/api/leads` with `limit`, following `next_cursor`. */
async function allPages(limit: number, extra = '', token = alpha): Promise<LeadListItem[]> {
  const items: LeadListItem[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const c: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await list(`?limit=${limit}${extra}${c}`, token);
    assert.ok(page.items.length <= limit);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) return items;
    assert.equal(page.items.length, limit, 'only the last page is short');
  }
  throw new Error('paging did not end');
}

async function expectError(status: number, code: string, query: string, token = alpha) {
  const res = await t.get(`/api/leads${query}`, token);
  assert.equal(res.status, status, `${query}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error, code);
  assert.equal(typeof res.body.message, 'string');
}

/** `(updated_at desc, id desc)`, the order the API promises. */
function assertOrdered(items: LeadListItem[]) {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1], items[i]];
    assert.ok(a && b);
    const ta = Date.parse(a.updated_at);
    const tb = Date.parse(b.updated_at);
    assert.ok(
      ta > tb || (ta === tb && a.id > b.id),
      `${a.id}@${a.updated_at} before ${b.id}@${b.updated_at}`,
    );
  }
}

const names = ['Ana María', 'Bruno Díaz', 'Carla Pérez', 'Daniel Ortiz', 'Elena Ruiz', '50% Off_Store'];
const alphaLeads: { id: string; name: string; phone: string }[] = [];

describe('GET /api/leads', () => {
  before(async () => {
    for (const name of names) {
      const phone = nextPhone();
      alphaLeads.push({ id: await leadFrom('alpha', { from: phone, pushName: name }), name, phone });
    }
    // Bravo has leads whose names and numbers look like alpha's.
    await leadFrom('bravo', { from: '5730099900001', pushName: 'Carla Bravo' });
    await leadFrom('bravo', { from: '5730099900002', pushName: 'Ana Bravo' });
  });

  test('lists the tenant’s leads newest first with {id,name,phone,created_at,updated_at}', async () => {
    const page = await list('');
    assert.equal(page.next_cursor, null);
    assert.deepEqual(new Set(page.items.map((l) => l.id)), new Set(alphaLeads.map((l) => l.id)));
    assertOrdered(page.items);
    const ana = page.items.find((l) => l.name === 'Ana María');
    assert.ok(ana);
    assert.deepEqual(Object.keys(ana).sort(), [
      'attributes',
      'created_at',
      'id',
      'name',
      'phone',
      'updated_at',
    ]);
    assert.equal(ana.phone, `+${alphaLeads[0]?.phone}`);
    assert.ok(!Number.isNaN(Date.parse(ana.created_at)));
    // GET /api/leads/{id} answers the same object, with the lead panel's fields beside it.
    const {
      first_contact_at: _,
      conversations: __,
      ...one
    } = (await t.get(`/api/leads/${ana.id}`, alpha)).body;
    assert.deepEqual(one, ana);
  });

  test('pages with a cursor: every lead once, none missing, even when a new one arrives', async () => {
    const all = (await list('?limit=200')).items;
    for (const limit of [1, 2, 4, 5]) {
      assert.deepEqual(
        (await allPages(limit)).map((l) => l.id),
        all.map((l) => l.id),
        `limit=${limit}`,
      );
    }
    // A lead created while a client pages shows up at the top, not in later pages.
    const first = await list('?limit=2');
    assert.ok(first.next_cursor);
    const fresh = await leadFrom('alpha', { from: nextPhone(), pushName: 'Nuevo Lead' });
    const rest = await allPages(200, `&cursor=${encodeURIComponent(first.next_cursor)}`);
    assert.deepEqual(
      [...first.items, ...rest].map((l) => l.id),
      all.map((l) => l.id),
    );
    assert.equal((await list('?limit=1')).items[0]?.id, fresh);
  });

  test('a lead that changes (a new name) moves to the top', async () => {
    const before = (await list('?limit=200')).items;
    const oldest = before.at(-1);
    assert.ok(oldest);
    const newest = Date.parse(before[0]?.updated_at ?? '');
    await eventually(() => Date.now() > newest, 5000, 'the clock to pass the newest updated_at');
    const phone = alphaLeads.find((l) => l.id === oldest.id)?.phone;
    await leadFrom('alpha', { from: phone, pushName: `${oldest.name} (renamed)`, text: 'otra vez' });
    const after = (await list('?limit=200')).items;
    assert.equal(after[0]?.id, oldest.id);
    assert.equal(after[0]?.name, `${oldest.name} (renamed)`);
    assert.equal(after.length, before.length);
    assertOrdered(after);
    const item = alphaLeads.find((l) => l.id === oldest.id);
    if (item) item.name = `${oldest.name} (renamed)`;
  });

  test('q matches the name case-insensitively, or the phone digits', async () => {
    const ids = async (q: string) => (await list(`?q=${encodeURIComponent(q)}`)).items.map((l) => l.name);
    assert.deepEqual(await ids('carla'), ['Carla Pérez']);
    assert.deepEqual(await ids('CARLA PÉ'), ['Carla Pérez']);
    assert.deepEqual(await ids('  ortiz '), ['Daniel Ortiz']);
    assert.deepEqual(await ids('zzz'), []);
    const elena = alphaLeads.find((l) => l.name === 'Elena Ruiz');
    assert.ok(elena);
    // The last digits, and the whole number written with punctuation.
    assert.deepEqual(await ids(elena.phone.slice(-5)), ['Elena Ruiz']);
    const spaced = `+${elena.phone.slice(0, 2)} ${elena.phone.slice(2, 5)}-${elena.phone.slice(5)}`;
    assert.deepEqual(await ids(spaced), ['Elena Ruiz']);
    // Digits inside words are not a phone search.
    assert.deepEqual(await ids('Elena 5'), []);
    assert.deepEqual(await ids('50%'), ['50% Off_Store']);
    // A digit prefix shared by every alpha lead, and none of bravo's.
    assert.equal((await ids('5730088')).length, (await list('?limit=200')).items.length);
    // LIKE wildcards are plain characters.
    assert.deepEqual(await ids('%'), ['50% Off_Store']);
    assert.deepEqual(await ids('_'), ['50% Off_Store']);
    assert.deepEqual(await ids('a%o'), []);
    // q and the cursor together.
    const byA = await allPages(1, '&q=a');
    assert.deepEqual(
      byA.map((l) => l.id),
      (await list('?q=a&limit=200')).items.map((l) => l.id),
    );
    assert.ok(byA.length >= 3);
  });

  test('limit out of 1..200, a bad q or a bad cursor → 400', async () => {
    for (const q of ['?limit=0', '?limit=201', '?limit=-1', '?limit=abc', '?q=', `?q=${'x'.repeat(101)}`]) {
      await expectError(400, 'invalid_request', q);
    }
    assert.equal((await list('?limit=200')).next_cursor, null);
    assert.equal((await list(`?q=${'x'.repeat(100)}`)).items.length, 0);
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const cursor of ['garbage', b64('abc:id'), b64('1.5:id'), b64('123:'), b64('no-colon')]) {
      await expectError(400, 'invalid_cursor', `?cursor=${encodeURIComponent(cursor)}`);
    }
    await expectError(400, 'invalid_request', `?cursor=${'x'.repeat(513)}`);
    await expectError(401, 'unauthorized', '', '');
  });

  test('tenant isolation: the tenant comes from the token only', async () => {
    const alphaIds = new Set((await list('?limit=200')).items.map((l) => l.id));
    const bravoPage = await list('?limit=200', bravo);
    assert.deepEqual(bravoPage.items.map((l) => l.name).sort(), ['Ana Bravo', 'Carla Bravo']);
    for (const l of bravoPage.items) assert.ok(!alphaIds.has(l.id));
    assert.deepEqual((await list('?q=bravo')).items, []);
    assert.deepEqual((await list('?q=5730099900001')).items, []);
    assert.deepEqual(
      (await list('?q=carla', bravo)).items.map((l) => l.name),
      ['Carla Bravo'],
    );
    // A cursor from alpha's list does not reveal alpha's leads to bravo.
    const cur = (await list('?limit=1')).next_cursor;
    assert.ok(cur);
    for (const l of (await list(`?cursor=${encodeURIComponent(cur)}`, bravo)).items) {
      assert.ok(!alphaIds.has(l.id));
    }
    // A token naming both tenants lists the one chosen with X-Tenant-Id.
    const both = await t.token(['alpha', 'bravo']);
    const chosen = await t.get('/api/leads?limit=200', both, { 'x-tenant-id': 'bravo' });
    assert.deepEqual(
      (chosen.body.items as LeadListItem[]).map((l) => l.id),
      bravoPage.items.map((l) => l.id),
    );
    await expectError(400, 'tenant_required', '', both);
  });

  test('a diagnostics probe’s lead is not listed', async () => {
    const before = (await list('?limit=200')).items;
    const admin = await t.token('alpha', { role: 'admin', user: 'boss' });
    const res = await fetch(`${t.url}/api/admin/diagnostics/probe?tenant=alpha`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    const probe = (await res.json()) as Record<string, unknown>;
    assert.equal(probe.ok, true, JSON.stringify(probe));
    assert.equal(probe.outcome, 'accepted');
    // The probe's lead, conversation and message were removed once it was checked.
    const conv = await t.get(`/api/conversations/${String(probe.conversation_id)}`, alpha);
    assert.equal(conv.status, 404);
    const after = (await list('?limit=200')).items;
    assert.deepEqual(
      after.map((l) => l.id),
      before.map((l) => l.id),
    );
    assert.deepEqual((await list('?q=probe')).items, []);
    assert.deepEqual(
      (await allPages(1)).map((l) => l.id),
      before.map((l) => l.id),
    );
  });

  test('is in the OpenAPI document', async () => {
    const doc = (await t.get('/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    const op = doc.paths['/api/leads']?.get as { parameters?: { name: string }[] } | undefined;
    assert.ok(op, '/api/leads is documented');
    assert.deepEqual(op.parameters?.map((p) => p.name).sort(), ['cursor', 'limit', 'q']);
  });
});

/**
 * REST under /api (docs/api.md §2) against a real node: auth, tenant scoping,
 * the inbox reads with cursor pagination, health and the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConversationState, LeadPayload, MessagePayload, Page } from '@newton/protocol';
import { type JWTPayload, SignJWT } from 'jose';
import { imageMessage, type UpsertOptions, upsertBody } from '../../testing/evolution-fixtures.js';
import { type HttpResult, TestNewton } from '../../testing/harness.js';

const BASE_TS = 1_763_000_000;

let t: TestNewton;
let counter = 0;
const nextPhone = () => `5730077${String(++counter).padStart(5, '0')}`;

before(async () => {
  t = await TestNewton.start();
  for (const tenant of ['alpha', 'bravo', 'gamma']) {
    await t.addTenant(tenant);
    await t.addInstance({ tenantId: tenant, name: `${tenant}-wa` });
  }
});
after(() => t.close());

/** Stores one message for `tenant` through the real webhook path. */
async function send(tenant: string, opts: UpsertOptions) {
  const res = await t.evolution(upsertBody({ instance: `${tenant}-wa`, sender: null, ...opts }));
  assert.deepEqual([res.status, res.body.outcome], [200, 'accepted'], JSON.stringify(res.body));
  return { messageId: String(res.body.message_id), conversationId: String(res.body.conversation_id) };
}

/** GET that must answer `status`; returns the body. */
async function expectGet<T = Record<string, unknown>>(
  status: number,
  url: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const res: HttpResult = await t.get(url, token, headers);
  assert.equal(res.status, status, `${url}: ${JSON.stringify(res.body)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return res.body as T;
}

/** Asserts a JSON error answer with the given status and code. */
async function expectError(status: number, code: string, url: string, token?: string, h = {}) {
  const body = await expectGet(status, url, token, h);
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
}

/** The server's own HS256 secret (kept in the data directory) for hand-made tokens. */
const serverSecret = () =>
  new TextEncoder().encode(readFileSync(path.join(t.dataDir, 'jwt-secret'), 'utf8').trim());
const now = () => Math.floor(Date.now() / 1000);
function signed(claims: JWTPayload, alg = 'HS256', key = serverSecret()): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
}

describe('authentication', () => {
  test('no token → 401 unauthorized with a JSON error body', async () => {
    await expectError(401, 'unauthorized', '/api/conversations');
    await expectError(401, 'unauthorized', '/api/me', undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' });
  });

  test('a bad token → 401 unauthorized', async () => {
    const valid = { sub: 'u1', tenant_id: 'alpha', exp: now() + 600 };
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(valid)).toString('base64url')}.`;
    const bad = [
      'not-a-jwt',
      unsigned,
      await signed(valid, 'HS256', new TextEncoder().encode('some-other-secret-of-32-characters!')),
      await signed(valid, 'HS512'),
      await signed({ ...valid, nbf: now() + 3600 }),
      await signed({ sub: 'u1', tenant_id: 'alpha' }),
      await signed({ sub: 'u1', exp: now() + 600 }),
    ];
    for (const token of bad) await expectError(401, 'unauthorized', '/api/conversations', token);
    await expectGet(200, '/api/conversations', await signed(valid)); // the same claims, properly signed
  });

  test('an expired token → 401 token_expired', async () => {
    await expectError(
      401,
      'token_expired',
      '/api/conversations',
      await t.token('alpha', { ttlSeconds: -60 }),
    );
  });

  test('/api/me says who the token speaks for', async () => {
    const token = await t.token('alpha', { user: 'u-ana', role: 'admin' });
    const me = await expectGet(200, '/api/me', token);
    assert.deepEqual(me, { user_id: 'u-ana', tenant_id: 'alpha', tenants: ['alpha'], role: 'admin' });
  });
});

describe('conversations', () => {
  test('listed by last activity with the last message preview and unread count', async () => {
    const token = await t.token('gamma');
    const [p1, p2, p3] = [nextPhone(), nextPhone(), nextPhone()];
    const c1 = await send('gamma', { from: p1, text: 'hola 1', timestamp: BASE_TS + 10, pushName: 'Uno' });
    const c2 = await send('gamma', { from: p2, text: 'hola 2', timestamp: BASE_TS + 20, pushName: 'Dos' });
    const c3 = await send('gamma', { from: p3, message: imageMessage(), timestamp: BASE_TS + 30 });
    const last = await send('gamma', {
      from: p1,
      text: 'sigo aquí',
      timestamp: BASE_TS + 40,
      pushName: 'Uno',
    });
    // An older reply arriving late counts for nothing: neither activity nor unread.
    await send('gamma', { from: p2, fromMe: true, text: 'respuesta vieja', timestamp: BASE_TS + 5 });
    assert.equal(last.conversationId, c1.conversationId);

    const page = await expectGet<Page<ConversationState>>(200, '/api/conversations', token);
    const summary = page.items.map((c) => [c.id, c.last_message_preview, c.unread_count, c.lead.phone]);
    assert.deepEqual(summary, [
      [c1.conversationId, 'sigo aquí', 2, `+${p1}`],
      [c3.conversationId, '[image]', 1, `+${p3}`],
      [c2.conversationId, 'hola 2', 1, `+${p2}`],
    ]);
    const first = page.items[0];
    assert.equal(first?.last_message_id, last.messageId);
    assert.equal(first?.last_message_at, new Date((BASE_TS + 40) * 1000).toISOString());
    assert.deepEqual([first?.lead.name, first?.status, page.next_cursor], ['Uno', 'open', null]);

    const p1of2 = await expectGet<Page<ConversationState>>(200, '/api/conversations?limit=2', token);
    assert.deepEqual(
      p1of2.items.map((c) => c.id),
      [c1.conversationId, c3.conversationId],
    );
    assert.ok(p1of2.next_cursor, 'a second page exists');
    const url = `/api/conversations?limit=2&cursor=${encodeURIComponent(p1of2.next_cursor)}`;
    const p2of2 = await expectGet<Page<ConversationState>>(200, url, token);
    assert.deepEqual([p2of2.items.map((c) => c.id), p2of2.next_cursor], [[c2.conversationId], null]);
  });

  test('messages page newest first, without duplicates or gaps, next_cursor null at the end', async () => {
    const token = await t.token('alpha');
    const from = nextPhone();
    // Seven messages; the 4th and 5th share one second, and that tie straddles the first page break.
    const offsets = [0, 1, 2, 3, 3, 4, 5];
    const sent: { messageId: string; conversationId: string }[] = [];
    for (const [i, s] of offsets.entries()) {
      sent.push(await send('alpha', { from, text: `m${i}`, timestamp: BASE_TS + 100 + s }));
    }
    const conv = sent[0]?.conversationId;
    assert.ok(sent.every((m) => m.conversationId === conv));
    const pages: MessagePayload[][] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await expectGet<Page<MessagePayload>>(
        200,
        `/api/conversations/${conv}/messages?limit=3${q}`,
        token,
      );
      pages.push(page.items);
      cursor = page.next_cursor;
    } while (cursor && pages.length < 10);
    assert.deepEqual(
      pages.map((p) => p.length),
      [3, 3, 1],
    );
    const all = pages.flat();
    const contents = all.map((m) => m.content);
    assert.deepEqual(
      new Set(all.map((m) => m.id)),
      new Set(sent.map((m) => m.messageId)),
      'all seven, once each',
    );
    // m3 and m4 share one second: they keep their order of arrival, across the page break.
    assert.deepEqual(contents, ['m6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);
    const times = pages.flat().map((m) => Date.parse(m.timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
  });

  test('an invalid cursor → 400 invalid_cursor', async () => {
    const token = await t.token('alpha');
    const conv = (await send('alpha', { from: nextPhone() })).conversationId;
    for (const cursor of ['bm90LWEtY3Vyc29y', 'Zm9vOmJhcg', '!!!']) {
      await expectError(400, 'invalid_cursor', `/api/conversations/${conv}/messages?cursor=${cursor}`, token);
      await expectError(400, 'invalid_cursor', `/api/conversations?cursor=${cursor}`, token);
    }
  });

  test('a cursor with a fractional time → 400 invalid_cursor', async () => {
    const token = await t.token('alpha');
    await send('alpha', { from: nextPhone() });
    const cursor = Buffer.from('1700000000000.5:some-id').toString('base64url');
    await expectError(400, 'invalid_cursor', `/api/conversations?cursor=${cursor}`, token);
  });

  test('a limit out of range → 400 invalid_request', async () => {
    const token = await t.token('alpha');
    const conv = (await send('alpha', { from: nextPhone() })).conversationId;
    for (const limit of ['0', '201', '-1', 'abc']) {
      await expectError(400, 'invalid_request', `/api/conversations?limit=${limit}`, token);
      await expectError(400, 'invalid_request', `/api/conversations/${conv}/messages?limit=${limit}`, token);
    }
    await expectGet(200, `/api/conversations/${conv}/messages?limit=200`, token);
    await expectGet(200, '/api/conversations?limit=1', token);
  });

  test('an unknown conversation or lead → 404 not_found', async () => {
    const token = await t.token('alpha');
    await expectError(404, 'not_found', '/api/conversations/00000000-0000-0000-0000-000000000000', token);
    await expectError(404, 'not_found', '/api/conversations/nope/messages', token);
    await expectError(404, 'not_found', '/api/leads/nope', token);
  });
});

describe('tenant isolation', () => {
  let a: { conversationId: string; leadId: string };
  let b: { conversationId: string };
  before(async () => {
    const sentA = await send('alpha', { from: nextPhone(), text: 'secreto de alpha' });
    const conv = await expectGet<ConversationState>(
      200,
      `/api/conversations/${sentA.conversationId}`,
      await t.token('alpha'),
    );
    a = { conversationId: sentA.conversationId, leadId: conv.lead_id };
    b = await send('bravo', { from: nextPhone(), text: 'de bravo' });
  });

  test("tenant B's token gets 404 for A's conversation, messages and lead", async () => {
    const tokenA = await t.token('alpha');
    const tokenB = await t.token('bravo');
    const urls = [
      `/api/conversations/${a.conversationId}`,
      `/api/conversations/${a.conversationId}/messages`,
      `/api/leads/${a.leadId}`,
    ];
    for (const url of urls) {
      await expectGet(200, url, tokenA); // the owner sees it
      await expectError(404, 'not_found', url, tokenB);
    }
    const lead = await expectGet<LeadPayload>(200, `/api/leads/${a.leadId}`, tokenA);
    assert.equal(lead.id, a.leadId);
  });

  test("B's conversation list has B's conversations and none of A's", async () => {
    const ids = (
      await expectGet<Page<ConversationState>>(200, '/api/conversations?limit=200', await t.token('bravo'))
    ).items.map((c) => c.id);
    assert.ok(ids.includes(b.conversationId), "B's own conversation is listed");
    assert.ok(!ids.includes(a.conversationId), "A's conversation is not");
  });

  test('a token naming two tenants must choose one with X-Tenant-Id', async () => {
    const both = await t.token(['alpha', 'bravo'], { user: 'u-multi' });
    await expectError(400, 'tenant_required', '/api/conversations', both);
    await expectError(403, 'forbidden', '/api/conversations', both, { 'x-tenant-id': 'gamma' });
    const listOf = async (tenant: string) =>
      (
        await expectGet<Page<ConversationState>>(200, '/api/conversations?limit=200', both, {
          'x-tenant-id': tenant,
        })
      ).items.map((c) => c.id);
    const [asA, asB] = [await listOf('alpha'), await listOf('bravo')];
    assert.deepEqual([asA.includes(a.conversationId), asA.includes(b.conversationId)], [true, false]);
    assert.deepEqual([asB.includes(a.conversationId), asB.includes(b.conversationId)], [false, true]);
    const me = await expectGet(200, '/api/me', both, { 'x-tenant-id': 'bravo' });
    assert.deepEqual([me.tenant_id, me.tenants], ['bravo', ['alpha', 'bravo']]);
  });

  test('a single-tenant token cannot pick another tenant with X-Tenant-Id', async () => {
    const tokenA = await t.token('alpha');
    await expectError(403, 'forbidden', `/api/conversations/${b.conversationId}`, tokenA, {
      'x-tenant-id': 'bravo',
    });
  });
});

describe('operations', () => {
  test('/healthz → 200', async () => {
    assert.deepEqual(await expectGet(200, '/healthz'), { status: 'ok', node: 'test-node' });
  });

  test('/readyz → 200 with database and bus checks', async () => {
    const body = await expectGet<{ status: string; checks: Record<string, { ok: boolean; kind?: string }> }>(
      200,
      '/readyz',
    );
    assert.equal(body.status, 'ready');
    assert.deepEqual(
      [body.checks.database?.ok, body.checks.bus?.ok, body.checks.bus?.kind],
      [true, true, 'memory'],
    );
  });

  test('/docs/json is an OpenAPI document listing the REST routes', async () => {
    const doc = await expectGet<{ openapi: string; paths: Record<string, unknown> }>(200, '/docs/json');
    assert.match(doc.openapi, /^3\./);
    for (const p of [
      '/api/conversations',
      '/api/conversations/{id}/messages',
      '/api/leads/{id}',
      '/api/me',
    ]) {
      assert.ok(p in doc.paths, `${p} is documented`);
    }
  });

  test('an unknown route → 404 JSON', async () => {
    await expectError(404, 'not_found', '/no/such/route');
    await expectError(404, 'not_found', '/api/no-such-thing', await t.token('alpha'));
  });
});

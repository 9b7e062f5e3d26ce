/**
 * CORS_ORIGINS (#14), as the headers say: a listed origin gets its preflight
 * and its answers for `/api/…` (bearer tokens, never credentials); another
 * origin, another path or no CORS_ORIGINS gets no CORS header at all. The
 * browser's side is packages/web/e2e/cors.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestNewton } from '../../testing/harness.js';

const CRM = 'https://crm.example.com';

function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type',
    },
  });
}

describe('CORS_ORIGINS set', () => {
  let t: TestNewton;
  let token: string;
  before(async () => {
    t = await TestNewton.start({ corsOrigins: [CRM, 'http://localhost:5173'] });
    await t.addTenant('acme');
    token = await t.token('acme');
  });
  after(() => t.close());

  test('a listed origin: preflight 204 with the origin, methods and headers, no credentials', async () => {
    const res = await preflight(`${t.url}/api/conversations/x/messages`, CRM);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), CRM);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  });

  test('a listed origin: the answer itself carries the origin (errors too)', async () => {
    const ok = await fetch(`${t.url}/api/conversations`, {
      headers: { origin: CRM, authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), CRM);
    const denied = await fetch(`${t.url}/api/conversations`, { headers: { origin: CRM } });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), CRM, 'the page can read why');
  });

  test('an origin not listed (nor one differing in scheme or port) gets no CORS header', async () => {
    for (const origin of ['https://evil.example.com', 'http://crm.example.com', 'http://localhost:5174']) {
      const pre = await preflight(`${t.url}/api/conversations`, origin, 'GET');
      assert.equal(pre.status, 404, origin);
      assert.equal(pre.headers.get('access-control-allow-origin'), null, origin);
      const res = await fetch(`${t.url}/api/conversations`, {
        headers: { origin, authorization: `Bearer ${token}` },
      });
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
    }
  });

  test('paths outside /api (webhooks, health, metrics) get no CORS header', async () => {
    for (const path of ['/webhooks/evolution', '/readyz', '/metrics']) {
      const pre = await preflight(`${t.url}${path}`, CRM);
      assert.equal(pre.headers.get('access-control-allow-origin'), null, path);
    }
    const ready = await fetch(`${t.url}/readyz`, { headers: { origin: CRM } });
    assert.equal(ready.headers.get('access-control-allow-origin'), null);
  });
});

describe('CORS_ORIGINS unset (the default)', () => {
  let t: TestNewton;
  before(async () => {
    t = await TestNewton.start();
  });
  after(() => t.close());

  test('no CORS header anywhere; a preflight is a 404 as before', async () => {
    const pre = await preflight(`${t.url}/api/conversations`, CRM, 'GET');
    assert.equal(pre.status, 404);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const res = await fetch(`${t.url}/api/conversations`, { headers: { origin: CRM } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});

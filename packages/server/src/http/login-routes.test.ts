/**
 * One-time sign-in codes (login-routes.ts): single use, expiry, the tenant a
 * code signs in to (and only that one), the "only tenant" rule for a code
 * minted before any tenant existed, and input validation.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestNewton } from '../../testing/harness.js';
import { LoginCodes } from '../auth/index.js';

let t: TestNewton;

before(async () => {
  t = await TestNewton.start();
});
after(() => t.close());

const exchange = (code: unknown) => t.post('/api/login/exchange', { code });

test('a code minted before any tenant existed signs in to the only tenant; with none it is refused', async () => {
  const early = t.node.loginCodes.issue(null);
  const none = await exchange(early);
  assert.deepEqual([none.status, none.body.error], [409, 'login_tenant_unclear']);
  // That use consumed it.
  const early2 = t.node.loginCodes.issue(null);
  await t.addTenant('solo');
  const ok = await exchange(early2);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.tenant_id, 'solo');
  assert.equal(ok.body.role, 'admin');
  assert.ok(Date.parse(String(ok.body.expires_at)) > Date.now() + 11 * 3600_000);
  const me = await t.get('/api/me', String(ok.body.token));
  assert.deepEqual(me.body, { user_id: 'admin', tenant_id: 'solo', tenants: ['solo'], role: 'admin' });
});

test('a code works once', async () => {
  const code = t.node.loginCodes.issue('solo');
  assert.equal((await exchange(code)).status, 200);
  const again = await exchange(code);
  assert.deepEqual([again.status, again.body.error], [400, 'invalid_login_code']);
});

test('tenant isolation: a code for A gives a token for A only', async () => {
  await t.addTenant('tenant_a');
  await t.addTenant('tenant_b');
  const res = await exchange(t.node.loginCodes.issue('tenant_a'));
  assert.equal(res.body.tenant_id, 'tenant_a');
  const token = String(res.body.token);
  const other = await t.get('/api/conversations', token, { 'x-tenant-id': 'tenant_b' });
  assert.deepEqual([other.status, other.body.error], [403, 'forbidden']);
  const sock = await t.socket('tenant_b', { token });
  assert.deepEqual(await sock.closed, { code: 4403, reason: 'forbidden' });
  // With several tenants, a code minted without one is refused.
  const unclear = await exchange(t.node.loginCodes.issue(null));
  assert.deepEqual([unclear.status, unclear.body.error], [409, 'login_tenant_unclear']);
});

test('unknown, expired and malformed codes are refused', async () => {
  assert.equal((await exchange('x'.repeat(43))).body.error, 'invalid_login_code');
  assert.equal((await exchange('short')).status, 400);
  assert.equal((await exchange(42)).status, 400);
  assert.equal((await t.post('/api/login/exchange', {})).status, 400);
  let now = 1_000_000;
  const codes = new LoginCodes(() => now);
  const code = codes.issue('solo', 1000);
  now += 1000;
  assert.equal(codes.consume(code), undefined, 'expired');
  const fresh = codes.issue(null, 1000);
  assert.deepEqual(codes.consume(fresh), { tenantId: null });
});

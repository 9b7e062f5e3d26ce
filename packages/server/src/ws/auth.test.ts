/**
 * Refusals (docs/protocol.md §2–3): a socket without a valid token for its path's
 * tenant is closed with 4401/4403 before any event, and no event ever reaches it.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';

let newton: TestNewton;
let secret: Uint8Array;

function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

async function hs256(claims: Record<string, unknown>, key = secret): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
}

const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  newton = await TestNewton.start();
  // The embedded default generated the secret and kept it in the data directory.
  secret = new TextEncoder().encode(readFileSync(path.join(newton.dataDir, 'jwt-secret'), 'utf8').trim());
  await newton.addTenant('acme');
  await newton.addInstance({ tenantId: 'acme', name: 'acme-wa' });
  await newton.addTenant('globex');
});
after(() => newton.close());

async function expectRefused(
  token: string | null,
  code: number,
  reason: string,
  tenant = 'acme',
): Promise<void> {
  const s = await newton.socket(tenant, { token });
  const closed = await s.closed;
  assert.equal(closed.code, code, `close code for ${reason}`);
  assert.equal(closed.reason, reason);
  assert.deepEqual(s.frames, [], 'no frame before the refusal');
}

describe('socket refusals', () => {
  test('no token → 4401 unauthorized', () => expectRefused(null, 4401, 'unauthorized'));

  test('garbage token → 4401', () => expectRefused('not-a-jwt', 4401, 'unauthorized'));

  test('expired token → 4401 token_expired', async () => {
    await expectRefused(
      await hs256({ sub: 'u1', tenant_id: 'acme', exp: now() - 60 }),
      4401,
      'token_expired',
    );
  });

  test('not yet valid token → 4401', async () => {
    const t = await hs256({ sub: 'u1', tenant_id: 'acme', exp: now() + 600, nbf: now() + 300 });
    await expectRefused(t, 4401, 'unauthorized');
  });

  test('token without exp → 4401', async () => {
    await expectRefused(await hs256({ sub: 'u1', tenant_id: 'acme' }), 4401, 'unauthorized');
  });

  test('tampered signature → 4401', async () => {
    const good = await hs256({ sub: 'u1', tenant_id: 'globex', exp: now() + 600 });
    const [h, , s] = good.split('.');
    const forged = `${h}.${b64({ sub: 'u1', tenant_id: 'acme', exp: now() + 600 })}.${s}`;
    await expectRefused(forged, 4401, 'unauthorized');
  });

  test('signed with another secret → 4401', async () => {
    const t = await hs256(
      { sub: 'u1', tenant_id: 'acme', exp: now() + 600 },
      new TextEncoder().encode('x'.repeat(48)),
    );
    await expectRefused(t, 4401, 'unauthorized');
  });

  test('alg none → 4401', async () => {
    const t = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u1', tenant_id: 'acme', exp: now() + 600 })}.`;
    await expectRefused(t, 4401, 'unauthorized');
  });

  test('wrong algorithm (RS256 without JWKS) → 4401', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
    const t = await new SignJWT({ sub: 'u1', tenant_id: 'acme', exp: now() + 600 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(key);
    await expectRefused(t, 4401, 'unauthorized');
  });

  test('HS512 with the right secret → 4401 (only HS256 is accepted)', async () => {
    const t = await new SignJWT({ sub: 'u1', tenant_id: 'acme', exp: now() + 600 })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(secret);
    await expectRefused(t, 4401, 'unauthorized');
  });

  test("another tenant's token → 4403 forbidden", async () => {
    await expectRefused(await newton.token('globex'), 4403, 'forbidden');
  });

  test('a token listing other tenants only → 4403', async () => {
    await expectRefused(
      await hs256({ sub: 'u1', tenants: ['globex', 'x'], exp: now() + 600 }),
      4403,
      'forbidden',
    );
  });

  test('a token for a tenant that does not exist → 4404 unknown_tenant', async () => {
    await expectRefused(await newton.token('nobody'), 4404, 'unknown_tenant', 'nobody');
  });

  test('refused sockets never receive an event, while an accepted one does', async () => {
    const refused = [
      await newton.socket('acme', { token: null }),
      await newton.socket('acme', { token: await newton.token('globex') }),
      await newton.socket('acme', { token: await hs256({ sub: 'u', tenant_id: 'acme', exp: now() - 10 }) }),
    ];
    const accepted = await newton.connect('acme', {
      token: await hs256({ sub: 'u9', tenants: ['globex', 'acme'], role: 'admin', exp: now() + 600 }),
    });
    assert.equal(accepted.frames[0]?.user_id, 'u9');
    const res = await newton.evolution(upsertBody({ instance: 'acme-wa', sender: null }));
    assert.equal(res.status, 200);
    await accepted.waitFor('new_message');
    for (const s of refused) {
      await s.closed;
      assert.deepEqual(s.frames, []);
    }
  });
});

/**
 * Tokens issued elsewhere (docs/auth.md §7): RS256/ES256 verified against
 * JWKS_URL, served here by a real HTTP server on port 0.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { TestNewton } from '../../testing/harness.js';

let jwks: Server;
let newton: TestNewton;
let rsa: CryptoKey;
let ec: CryptoKey;
let stranger: CryptoKey;
const exp = () => Math.floor(Date.now() / 1000) + 600;

before(async () => {
  const r = await generateKeyPair('RS256');
  const e = await generateKeyPair('ES256');
  rsa = r.privateKey;
  ec = e.privateKey;
  stranger = (await generateKeyPair('RS256')).privateKey;
  const keys = [
    { ...(await exportJWK(r.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(e.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  newton = await TestNewton.start({ jwksUrl, jwtSecret: undefined });
  await newton.addTenant('acme');
});
after(async () => {
  await newton.close();
  jwks.close();
});

function sign(key: CryptoKey, alg: string, kid: string, claims: Record<string, unknown> = {}) {
  return new SignJWT({ sub: 'ext-user', tenant_id: 'acme', role: 'agent', exp: exp(), ...claims })
    .setProtectedHeader({ alg, kid })
    .sign(key);
}

describe('JWKS_URL', () => {
  test('an RS256 token from the JWKS is accepted', async () => {
    const s = await newton.connect('acme', { token: await sign(rsa, 'RS256', 'rsa-1') });
    assert.equal(s.frames[0]?.user_id, 'ext-user');
  });

  test('an ES256 token from the JWKS is accepted', async () => {
    const s = await newton.connect('acme', { token: await sign(ec, 'ES256', 'ec-1') });
    assert.equal(s.frames[0]?.type, 'connection_established');
  });

  test('a key not in the JWKS is refused with 4401', async () => {
    const s = await newton.socket('acme', { token: await sign(stranger, 'RS256', 'rsa-1') });
    assert.equal((await s.closed).code, 4401);
  });

  test('HS256 is refused when only a JWKS is configured', async () => {
    const hs = await new SignJWT({ sub: 'u', tenant_id: 'acme', exp: exp() })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('a'.repeat(40)));
    const s = await newton.socket('acme', { token: hs });
    assert.equal((await s.closed).code, 4401);
  });
});

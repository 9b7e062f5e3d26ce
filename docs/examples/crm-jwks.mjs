#!/usr/bin/env node
// A CRM backend that signs Newton tokens with its own key pair (ES256) and
// publishes the public key as a JWKS; Newton is started with JWKS_URL pointing
// at it and never holds a secret of the CRM. docs/auth.md, "Signing with your
// own keys". Needs `npm install jose`.
//
//   PORT=4000 node crm-jwks.mjs        → prints JWKS_URL=http://127.0.0.1:4000/.well-known/jwks.json
//   JWKS_URL=<that URL> npx newton start
//
// Routes: GET /.well-known/jwks.json (public keys, for Newton) and
// GET /api/newton-token (a token for the signed-in user, for the browser).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

// A real CRM loads its private key from its secret store, so tokens survive a
// restart. To rotate: publish the new key next to the old one, sign with the
// new one, drop the old one once its last token expired (Newton refetches the
// JWKS when a token names a `kid` it has not seen).
const kid = `crm-${randomUUID().slice(0, 8)}`;
const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };

/** The same claims as with HS256 (mint-token.mjs); only the header and the key differ. */
async function mintNewtonToken({ tenantId, userId, role = 'agent', ttlSeconds = 15 * 60 }) {
  return new SignJWT({ tenant_id: tenantId, role })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(privateKey);
}

/**
 * Stand-in for the CRM's own session: a real CRM takes the user and tenant
 * from its signed-in session, never from the request.
 */
function sessionOf(url) {
  return {
    tenantId: url.searchParams.get('tenant') ?? 'demo',
    userId: url.searchParams.get('user') ?? 'ana',
  };
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://crm');
  res.setHeader('content-type', 'application/json');
  if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
    res.setHeader('cache-control', 'public, max-age=300');
    return res.end(JSON.stringify(jwks));
  }
  if (req.method === 'GET' && url.pathname === '/api/newton-token') {
    res.setHeader('cache-control', 'no-store');
    return res.end(JSON.stringify({ token: await mintNewtonToken(sessionOf(url)) }));
  }
  res.statusCode = 404;
  res.end(JSON.stringify({ error: 'not_found' }));
});
server.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`JWKS_URL=http://${address}:${port}/.well-known/jwks.json`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

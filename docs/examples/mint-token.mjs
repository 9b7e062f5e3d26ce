#!/usr/bin/env node
// Mints a Newton token on the CRM's backend (HS256, the secret Newton has as JWT_SECRET).
// docs/auth.md explains every claim. Needs `npm install jose` (v5 or v6).
//
//   NEWTON_JWT_SECRET=<JWT_SECRET of Newton> node mint-token.mjs <tenant_id> <user_id> [agent|admin]
//
// Prints the token on stdout. In a CRM, call mintNewtonToken() from the route
// your signed-in users fetch their token from (e.g. GET /api/newton-token).
import { SignJWT } from 'jose';

/**
 * @param {{ secret: string, tenantId: string, userId: string, role?: 'agent' | 'admin', ttlSeconds?: number }} o
 * @returns {Promise<string>}
 */
export async function mintNewtonToken({ secret, tenantId, userId, role = 'agent', ttlSeconds = 15 * 60 }) {
  return new SignJWT({
    tenant_id: tenantId, // the tenant this token opens (or `tenants: [...]` for several)
    role, // 'agent' (inbox) or 'admin' (also /api/admin/*)
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId) // the CRM's user id: shown as user_id, kept on replies as sender_user_id
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds) // exp: required
    .sign(new TextEncoder().encode(secret));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [tenantId, userId, role = 'agent'] = process.argv.slice(2);
  const secret = process.env.NEWTON_JWT_SECRET;
  if (!secret || !tenantId || !userId || (role !== 'agent' && role !== 'admin')) {
    console.error(
      'usage: NEWTON_JWT_SECRET=<secret> node mint-token.mjs <tenant_id> <user_id> [agent|admin]',
    );
    process.exit(2);
  }
  console.log(await mintNewtonToken({ secret, tenantId, userId, role }));
}

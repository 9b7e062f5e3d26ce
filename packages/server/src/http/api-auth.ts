import type { FastifyRequest } from 'fastify';
import { AuthError, type Principal, type TokenService } from '../auth/index.js';
import { newtonError } from '../core/index.js';

export interface ApiCaller {
  principal: Principal;
  /** The tenant every query of this request is scoped to. */
  tenantId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: ApiCaller;
  }
}

/**
 * `Authorization: Bearer <JWT>`; the tenant comes from the token only. A token
 * naming several tenants picks one with `X-Tenant-Id`, which must be among them.
 */
export async function authenticateApi(req: FastifyRequest, tokens: TokenService): Promise<ApiCaller> {
  const principal = await bearerPrincipal(req, tokens);
  const chosen = req.headers['x-tenant-id'];
  const wanted = Array.isArray(chosen) ? chosen[0] : chosen;
  if (wanted !== undefined) {
    if (!principal.tenants.includes(wanted)) throw newtonError('NEWTON_ERR_FORBIDDEN', 'tenant not in token');
    return { principal, tenantId: wanted };
  }
  const [only, ...rest] = principal.tenants;
  if (only === undefined || rest.length > 0) throw newtonError('NEWTON_ERR_TENANT_REQUIRED');
  return { principal, tenantId: only };
}

/**
 * The principal of a valid `Authorization: Bearer <JWT>`; 401 `unauthorized`
 * without one or with a bad one, 401 `token_expired` for an expired one.
 */
export async function bearerPrincipal(req: FastifyRequest, tokens: TokenService): Promise<Principal> {
  const header = req.headers.authorization;
  if (!header?.toLowerCase().startsWith('bearer ')) {
    throw newtonError('NEWTON_ERR_UNAUTHORIZED', 'send Authorization: Bearer <token>');
  }
  try {
    return await tokens.verify(header.slice(7).trim());
  } catch (err) {
    if (err instanceof AuthError && err.reason === 'token_expired')
      throw newtonError('NEWTON_ERR_TOKEN_EXPIRED');
    if (err instanceof AuthError && err.reason === 'user_disabled')
      throw newtonError('NEWTON_ERR_USER_DISABLED');
    throw newtonError('NEWTON_ERR_UNAUTHORIZED', err instanceof AuthError ? err.message : undefined);
  }
}

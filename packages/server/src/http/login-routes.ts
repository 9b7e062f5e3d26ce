/**
 * One-time sign-in links for the inbox (embedded default). `newton start`
 * prints `http://localhost:<port>/login#code=<code>`; the inbox posts the code
 * to `POST /api/login/exchange` and gets an admin token for the tenant.
 *
 * - A code is 32 random bytes (base64url), works once, for `LOGIN_CODE_TTL_MS`
 *   (10 minutes), and only on the node that printed it (kept in memory, as a
 *   SHA-256 hash; a restart prints new ones).
 * - A code names a tenant, or none: then it signs in to the only tenant that
 *   exists when it is used (so `npm start`, then `newton tenant add`, then the
 *   link works). With zero or several tenants such a code is refused (409).
 * - The token is HS256, role `admin`, user `admin`, valid `LOGIN_TOKEN_TTL_S`
 *   (12 h). Nothing is printed when the server cannot mint tokens (JWKS only).
 */
import type { LoginExchangeAnswer } from '@newton/protocol';
import type { FastifyInstance } from 'fastify';
import type { LoginCodes, TokenService } from '../auth/index.js';
import { newtonError } from '../core/index.js';
import type { Store } from '../store/index.js';

const LOGIN_TOKEN_TTL_S = 12 * 3600;

export interface LoginRouteOptions {
  codes: LoginCodes;
  tokens: TokenService;
  store: Store;
}

/** `POST /api/login/exchange {code}` → `{token, tenant_id, role, user_id, expires_at}`. */
export async function loginRoutes(app: FastifyInstance, opts: LoginRouteOptions): Promise<void> {
  app.post(
    '/api/login/exchange',
    {
      bodyLimit: 4096,
      schema: {
        tags: ['session'],
        summary: 'Exchange a one-time sign-in code (printed by newton start) for an admin token',
        body: {
          type: 'object',
          properties: { code: { type: 'string', minLength: 16, maxLength: 200 } },
          required: ['code'],
          additionalProperties: false,
        },
      },
    },
    async (req): Promise<LoginExchangeAnswer> => {
      const { code } = req.body as { code: string };
      const used = opts.codes.consume(code);
      if (!used) throw newtonError('NEWTON_ERR_INVALID_LOGIN_CODE');
      let tenantId = used.tenantId;
      if (tenantId === null) {
        const tenants = await opts.store.admin.listTenants();
        if (tenants.length !== 1 || !tenants[0]) {
          throw newtonError(
            'NEWTON_ERR_LOGIN_TENANT_UNCLEAR',
            tenants.length === 0
              ? 'no tenant exists yet: create one with `npx newton tenant add <id>`, then restart newton start for a new link'
              : 'several tenants exist: restart newton start, which prints one link per tenant',
          );
        }
        tenantId = tenants[0].id;
      } else if (!(await opts.store.admin.getTenant(tenantId))) {
        throw newtonError('NEWTON_ERR_INVALID_LOGIN_CODE', `tenant ${tenantId} no longer exists`);
      }
      const token = await opts.tokens.issue({
        tenants: [tenantId],
        role: 'admin',
        userId: 'admin',
        ttlSeconds: LOGIN_TOKEN_TTL_S,
      });
      req.log.info({ tenant: tenantId }, 'signed in with a one-time link');
      return {
        token,
        tenant_id: tenantId,
        role: 'admin',
        user_id: 'admin',
        expires_at: new Date(Date.now() + LOGIN_TOKEN_TTL_S * 1000).toISOString(),
      };
    },
  );
}

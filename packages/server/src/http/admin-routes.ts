import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, TokenService } from '../auth/index.js';
import { newtonError } from '../core/index.js';
import type { NodeDiagnostics } from '../diagnostics/index.js';
import { bearerPrincipal } from './api-auth.js';

export interface AdminRouteOptions {
  tokens: TokenService;
  diagnostics: NodeDiagnostics;
}

const security = [{ bearer: [] }];
const TENANT = { type: 'string', minLength: 1, maxLength: 200 } as const;

/**
 * An admin of `tenantId`: a valid token with `role: "admin"` naming the
 * tenant. An agent gets 403; a tenant the token does not name answers 404,
 * exactly like one that does not exist (no probing for other tenants' ids).
 */
async function adminOf(req: FastifyRequest, tokens: TokenService, tenantId: string): Promise<Principal> {
  const principal = await bearerPrincipal(req, tokens);
  if (principal.role !== 'admin') throw newtonError('NEWTON_ERR_FORBIDDEN', 'admin role required');
  if (!principal.tenants.includes(tenantId)) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such tenant');
  return principal;
}

/**
 * `GET /api/admin/diagnostics?tenant=…` (what `newton doctor` shows) and
 * `POST /api/admin/diagnostics/probe?tenant=…` (a synthetic webhook through
 * the real path). Neither answer ever carries a secret.
 */
export async function adminRoutes(app: FastifyInstance, opts: AdminRouteOptions): Promise<void> {
  app.get(
    '/diagnostics',
    {
      schema: {
        tags: ['operations'],
        summary: "Every hop of a tenant's message path, with evidence and hints (admin role)",
        security,
        querystring: {
          type: 'object',
          properties: {
            tenant: TENANT,
            window_ms: { type: 'integer', minimum: 60_000, maximum: 30 * 86_400_000, default: 86_400_000 },
          },
          required: ['tenant'],
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const q = req.query as { tenant: string; window_ms: number };
      const principal = await adminOf(req, opts.tokens, q.tenant);
      req.log.info({ tenant: q.tenant, user: principal.userId }, 'diagnostics requested');
      return opts.diagnostics.report(q.tenant, q.window_ms);
    },
  );

  app.post(
    '/diagnostics/probe',
    {
      schema: {
        tags: ['operations'],
        summary: 'Inject a probe message through the real webhook path (admin role)',
        security,
        querystring: {
          type: 'object',
          properties: { tenant: TENANT, instance: { type: 'string', minLength: 1, maxLength: 200 } },
          required: ['tenant'],
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const q = req.query as { tenant: string; instance?: string };
      const principal = await adminOf(req, opts.tokens, q.tenant);
      const result = await opts.diagnostics.probe(q.tenant, q.instance);
      req.log.info(
        { tenant: q.tenant, user: principal.userId, trace: result.trace_id, ok: result.ok },
        'probe injected',
      );
      return result;
    },
  );
}

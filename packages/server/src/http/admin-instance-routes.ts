/**
 * One instance by id for an admin token naming its tenant (#12): change its
 * settings in place (`PATCH`, conversations kept), remove it (`DELETE`,
 * refused while it holds conversations unless `?purge=true`), and check or
 * wire Evolution's webhook (`GET|POST …/webhook`, the same as
 * `newton instance webhook`). Another tenant's instance answers 404 like one
 * that does not exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal, TokenService } from '../auth/index.js';
import type { Instance, InstanceChanges, WebhookCheck } from '../core/index.js';
import { instancePatch, newtonError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { type UpstreamChecks, WiringError, type WiringReport, wireWebhook } from '../upstream/index.js';
import {
  adminPrincipal,
  field,
  instanceJson,
  invalid,
  PURGE_QUERY,
  refuseSharedNumber,
  removeInstanceReply,
} from './admin-config-routes.js';

export interface AdminInstanceRouteOptions {
  store: Store;
  tokens: TokenService;
  /** Asks Evolution about webhooks (the node's UpstreamChecks). */
  upstream: UpstreamChecks;
}

const security = [{ bearer: [] }];
const BODY_LIMIT = 16 * 1024;
const SECRET = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const URL_TEXT = { type: 'string', minLength: 1, maxLength: 2048 } as const;
const params = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['id'],
  additionalProperties: false,
} as const;

const secret = z.string().min(1).max(1024);
const patchBody = z
  .object({
    number: z.string().min(1).max(64).optional(),
    apikey: secret.optional(),
    webhook_secret: secret.optional(),
    url: z.string().min(1).max(2048).optional(),
    access_token: secret.optional(),
    app_secret: secret.optional(),
    verify_token: secret.optional(),
    graph_url: z.string().min(1).max(2048).optional(),
    allow_shared: z.boolean().optional(),
  })
  .strict();

/** camelCase change → the JSON field it came from. */
const JSON_NAMES: Record<keyof InstanceChanges, string> = {
  number: 'number',
  apikey: 'apikey',
  webhookSecret: 'webhook_secret',
  url: 'url',
  accessToken: 'access_token',
  appSecret: 'app_secret',
  verifyToken: 'verify_token',
  graphUrl: 'graph_url',
};

/** The instance, if the admin token names its tenant; 404 alike otherwise. */
async function instanceOf(
  req: FastifyRequest,
  opts: AdminInstanceRouteOptions,
): Promise<{ instance: Instance; principal: Principal }> {
  const principal = await adminPrincipal(req, opts.tokens);
  const instance = await opts.store.admin.getInstance((req.params as { id: string }).id);
  if (!instance || !principal.tenants.includes(instance.tenantId)) {
    throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such instance');
  }
  return { instance, principal };
}

function checkJson(c: WebhookCheck | null) {
  if (!c) return null;
  return {
    ok: c.ok,
    expected_url: c.expectedUrl,
    current: c.current && {
      enabled: c.current.enabled,
      url: c.current.url,
      events: c.current.events,
      by_events: c.current.byEvents,
      header_names: c.current.headerNames ?? [],
    },
    problems: c.problems,
  };
}

function reportJson(instance: Instance, r: WiringReport) {
  return {
    instance_id: instance.id,
    expected: {
      url: r.expected.url,
      events: r.expected.events,
      by_events: r.expected.byEvents,
      header_names: r.expected.headerNames,
    },
    before: checkJson(r.before),
    after: checkJson(r.after),
    changed: r.changed,
  };
}

async function wiring(instance: Instance, upstream: UpstreamChecks, apply: boolean): Promise<WiringReport> {
  try {
    return await wireWebhook(instance, upstream, { apply });
  } catch (err) {
    if (!(err instanceof WiringError)) throw err;
    if (err.code === 'public_url_missing') throw newtonError('NEWTON_ERR_PUBLIC_URL_MISSING', err.message);
    if (err.code === 'provider_failed') throw newtonError('NEWTON_ERR_PROVIDER_FAILED', err.message);
    throw newtonError('NEWTON_ERR_WEBHOOK_NOT_CONFIGURABLE', err.message, { reason: err.code });
  }
}

/** `PATCH|DELETE /api/admin/instances/{id}` and `GET|POST /api/admin/instances/{id}/webhook`. */
export async function adminInstanceRoutes(
  app: FastifyInstance,
  opts: AdminInstanceRouteOptions,
): Promise<void> {
  app.patch(
    '/instances/:id',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['admin'],
        summary: "Change an instance's settings; same id, so every conversation and message stays",
        description:
          'Evolution: `number`, `apikey`, `webhook_secret`, `url`. Cloud API: `number`, `access_token`, ' +
          '`app_secret`, `verify_token`, `graph_url`. 409 `number_in_use` when another tenant has the number ' +
          '(`allow_shared: true` to change it anyway).',
        security,
        params,
        body: {
          type: 'object',
          properties: {
            number: { type: 'string', minLength: 1, maxLength: 64 },
            apikey: SECRET,
            webhook_secret: SECRET,
            url: URL_TEXT,
            access_token: SECRET,
            app_secret: SECRET,
            verify_token: SECRET,
            graph_url: URL_TEXT,
            allow_shared: { type: 'boolean' },
          },
          maxProperties: 9,
        },
      },
    },
    async (req) => {
      const { instance, principal } = await instanceOf(req, opts);
      const parsed = patchBody.safeParse(req.body);
      if (!parsed.success) invalid(parsed.error);
      const b = parsed.data;
      const changes: InstanceChanges = {
        number: b.number,
        apikey: b.apikey,
        webhookSecret: b.webhook_secret,
        url: b.url,
        accessToken: b.access_token,
        appSecret: b.app_secret,
        verifyToken: b.verify_token,
        graphUrl: b.graph_url,
      };
      const patch = field(null, () => instancePatch(instance.provider, changes, (k) => JSON_NAMES[k]));
      if (patch.number && patch.number !== instance.number) {
        await refuseSharedNumber(
          opts.store,
          principal,
          instance.tenantId,
          patch.number,
          b.allow_shared === true,
        );
      }
      const updated = await opts.store.admin.updateInstance(instance.id, patch);
      if (!updated) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such instance');
      req.log.info(
        {
          tenant: instance.tenantId,
          instance: instance.name,
          fields: Object.keys(patch),
          user: principal.userId,
        },
        'instance updated',
      );
      return instanceJson(updated);
    },
  );

  app.delete(
    '/instances/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove an instance (409 `instance_in_use` with counts unless `?purge=true`)',
        security,
        params,
        querystring: PURGE_QUERY,
      },
    },
    async (req, reply) => {
      const { instance } = await instanceOf(req, opts);
      return removeInstanceReply(
        req,
        reply,
        opts.store,
        instance,
        (req.query as { purge?: boolean }).purge === true,
      );
    },
  );

  app.get(
    '/instances/:id/webhook',
    {
      schema: {
        tags: ['admin'],
        summary: "Evolution's webhook settings for the instance against what Newton needs (problem codes)",
        security,
        params,
      },
    },
    async (req) => {
      const { instance } = await instanceOf(req, opts);
      return reportJson(instance, await wiring(instance, opts.upstream, false));
    },
  );

  app.post(
    '/instances/:id/webhook',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Set Evolution's webhook to Newton's URL, events and auth header (idempotent; needs PUBLIC_URL)",
        security,
        params,
      },
    },
    async (req) => {
      const { instance, principal } = await instanceOf(req, opts);
      const report = await wiring(instance, opts.upstream, true);
      req.log.info(
        {
          tenant: instance.tenantId,
          instance: instance.name,
          changed: report.changed,
          user: principal.userId,
        },
        'evolution webhook wired',
      );
      return reportJson(instance, report);
    },
  );
}

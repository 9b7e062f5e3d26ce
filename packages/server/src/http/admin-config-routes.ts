/**
 * The admin side of tenants and instances over REST (docs/api.md §2.7): what
 * `newton tenant add` and `newton instance add|list|remove` do, for an admin
 * token, scoped to the tenants the token names. Secrets go in, never out: a
 * listing says only whether each one is set. Routing reads the database, so a
 * change is live on every node at once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal, TokenService } from '../auth/index.js';
import type { Instance, NewInstance, Tenant } from '../core/index.js';
import {
  cloudOwnNumber,
  evolutionOwnNumber,
  httpUrl,
  InvalidValue,
  newtonError,
  phoneNumberId,
  tenantId,
} from '../core/index.js';
import type { Store } from '../store/index.js';
import { bearerPrincipal } from './api-auth.js';

export interface AdminConfigRouteOptions {
  store: Store;
  tokens: TokenService;
}

const security = [{ bearer: [] }];
const BODY_LIMIT = 16 * 1024;
const SECRET = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const ID = { type: 'string', minLength: 1, maxLength: 200 } as const;
const tenantParams = {
  type: 'object',
  properties: { id: ID },
  required: ['id'],
  additionalProperties: false,
} as const;

/** `?purge=true` of the DELETE routes. */
export const PURGE_QUERY = {
  type: 'object',
  properties: { purge: { type: 'boolean', default: false } },
  additionalProperties: false,
} as const;

const secret = z.string().min(1).max(1024);
const evolutionBody = z
  .object({
    provider: z.literal('evolution'),
    instance: z.string().min(1).max(200),
    number: z.string().min(1).max(64).optional(),
    apikey: secret.optional(),
    webhook_secret: secret.optional(),
    url: z.string().min(1).max(2048).optional(),
    allow_shared: z.boolean().optional(),
  })
  .strict();
const cloudBody = z
  .object({
    provider: z.literal('cloud'),
    phone_number_id: z.string().min(1).max(64),
    app_secret: secret,
    verify_token: secret,
    access_token: secret,
    number: z.string().min(1).max(64).optional(),
    graph_url: z.string().min(1).max(2048).optional(),
    allow_shared: z.boolean().optional(),
  })
  .strict();
const instanceBody = z.discriminatedUnion('provider', [evolutionBody, cloudBody]);
const tenantBody = z
  .object({ id: z.string().min(1).max(64), name: z.string().min(1).max(200).optional() })
  .strict();

/** The first zod issue as a 400 `invalid_request`. */
export function invalid(error: z.ZodError): never {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw newtonError('NEWTON_ERR_INVALID_REQUEST', `${where}${issue?.message ?? 'invalid body'}`);
}

/** Runs one of core's input rules (the CLI runs the same) on a body field: a refusal is a 400 naming the field. */
export function field<T>(name: string | null, rule: () => T): T {
  try {
    return rule();
  } catch (err) {
    if (err instanceof InvalidValue) {
      throw newtonError('NEWTON_ERR_INVALID_REQUEST', name ? `${name} ${err.message}` : err.message);
    }
    throw err;
  }
}

/** An admin token (agents get 403); 401 without a valid one. */
export async function adminPrincipal(req: FastifyRequest, tokens: TokenService): Promise<Principal> {
  const principal = await bearerPrincipal(req, tokens);
  if (principal.role !== 'admin') throw newtonError('NEWTON_ERR_FORBIDDEN', 'admin role required');
  return principal;
}

/** An existing tenant the admin token names; any other answers 404 alike (no probing). */
async function tenantOf(req: FastifyRequest, opts: AdminConfigRouteOptions, id: string): Promise<Tenant> {
  const principal = await adminPrincipal(req, opts.tokens);
  const tenant = principal.tenants.includes(id) ? await opts.store.admin.getTenant(id) : undefined;
  if (!tenant) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such tenant');
  return tenant;
}

function tenantJson(t: Tenant) {
  return { id: t.id, name: t.name, created_at: new Date(t.createdAt).toISOString(), last_seq: t.lastSeq };
}

/** An instance as the API shows it: which secrets are set, never their values. */
export function instanceJson(i: Instance) {
  return {
    id: i.id,
    provider: i.provider,
    name: i.name,
    number: i.number ? `+${i.number}` : null,
    base_url: i.baseUrl,
    apikey_set: Boolean(i.apikey),
    webhook_secret_set: Boolean(i.webhookSecret),
    app_secret_set: Boolean(i.appSecret),
    verify_token_set: Boolean(i.verifyToken),
    created_at: new Date(i.createdAt).toISOString(),
  };
}

/** The body as a new instance, validated exactly as `newton instance add` validates it. */
function toNewInstance(
  tenantId: string,
  raw: unknown,
): { input: NewInstance; warnings: string[]; allowShared: boolean } {
  const parsed = instanceBody.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const b = parsed.data;
  if (b.provider === 'evolution') {
    const warnings =
      b.apikey || b.webhook_secret
        ? []
        : ['this instance has neither apikey nor webhook_secret: anyone can post its webhooks'];
    return {
      warnings,
      allowShared: b.allow_shared === true,
      input: {
        tenantId,
        provider: 'evolution',
        name: b.instance,
        number: b.number ? field('number', () => evolutionOwnNumber(b.number as string)) : null,
        apikey: b.apikey ?? null,
        webhookSecret: b.webhook_secret ?? null,
        baseUrl: b.url ? field('url', () => httpUrl(b.url as string)) : null,
      },
    };
  }
  field('phone_number_id', () => phoneNumberId(b.phone_number_id));
  const graphUrl = b.graph_url ? field('graph_url', () => httpUrl(b.graph_url as string)) : null;
  return {
    warnings: [],
    allowShared: b.allow_shared === true,
    input: {
      tenantId,
      provider: 'cloud',
      name: b.phone_number_id,
      number: b.number ? field('number', () => cloudOwnNumber(b.number as string)) : null,
      apikey: b.access_token,
      appSecret: b.app_secret,
      verifyToken: b.verify_token,
      baseUrl: graphUrl ? graphUrl.replace(/\/+$/, '') : null,
    },
  };
}

/**
 * 409 `number_in_use` when another tenant's instance has `number`, unless
 * `allowShared`. The other tenant is named only to a token that names it too.
 */
export async function refuseSharedNumber(
  store: Store,
  principal: Principal,
  tenantId: string,
  number: string | null | undefined,
  allowShared: boolean,
): Promise<void> {
  if (!number || allowShared) return;
  const others = await store.admin.otherTenantsWithNumber(number, tenantId);
  if (others.length === 0) return;
  const visible = others.filter((t) => principal.tenants.includes(t));
  const owner = visible.length > 0 ? `tenant ${visible.join(', ')}` : 'another tenant';
  throw newtonError(
    'NEWTON_ERR_NUMBER_IN_USE',
    `+${number} is already the number of an instance of ${owner} (allow_shared: true to add it anyway)`,
  );
}

/**
 * Removes an instance for DELETE: 204 when it held nothing; 409
 * `instance_in_use` with the counts while it holds conversations or
 * messages; with `purge`, 200 and how many went with it.
 */
export async function removeInstanceReply(
  req: FastifyRequest,
  reply: FastifyReply,
  store: Store,
  found: Instance,
  purge: boolean,
): Promise<FastifyReply> {
  const out = await store.admin.removeInstanceById(found.id, { purge });
  if (!out.found) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such instance');
  const counts = { conversations: out.usage.conversations, messages: out.usage.messages };
  if (!out.removed) {
    throw newtonError(
      'NEWTON_ERR_INSTANCE_IN_USE',
      `instance "${found.name}" has ${counts.conversations} conversations and ${counts.messages} messages: ` +
        'DELETE with ?purge=true to remove them too',
      counts,
    );
  }
  req.log.info(
    { tenant: found.tenantId, provider: found.provider, instance: found.name, purge, ...counts },
    'instance removed',
  );
  return purge ? reply.code(200).send({ removed: counts }) : reply.code(204).send();
}

/**
 * `GET|POST /api/admin/tenants`, `GET|POST /api/admin/tenants/{id}/instances`
 * and `DELETE /api/admin/tenants/{id}/instances/{instanceId}` (admin role).
 */
export async function adminConfigRoutes(app: FastifyInstance, opts: AdminConfigRouteOptions): Promise<void> {
  const admin = opts.store.admin;

  app.get(
    '/tenants',
    { schema: { tags: ['admin'], summary: 'The tenants this admin token names that exist', security } },
    async (req) => {
      const principal = await adminPrincipal(req, opts.tokens);
      const named = new Set(principal.tenants);
      const items = (await admin.listTenants()).filter((t) => named.has(t.id)).map(tenantJson);
      return { items };
    },
  );

  app.post(
    '/tenants',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['admin'],
        summary: 'Create a tenant the admin token names (403 for any other id)',
        security,
        body: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, name: ID },
          required: ['id'],
        },
      },
    },
    async (req, reply) => {
      const principal = await adminPrincipal(req, opts.tokens);
      const parsed = tenantBody.safeParse(req.body);
      if (!parsed.success) invalid(parsed.error);
      const body = parsed.data;
      const id = field(null, () => tenantId(body.id));
      // Checked before existence, so the answer says nothing about tenants the token does not name.
      if (!principal.tenants.includes(id)) {
        throw newtonError('NEWTON_ERR_FORBIDDEN', 'an admin token may create only the tenants it names');
      }
      if (await admin.getTenant(id)) throw newtonError('NEWTON_ERR_TENANT_EXISTS');
      let tenant: Tenant;
      try {
        tenant = await admin.createTenant(id, body.name ?? null);
      } catch (err) {
        if (await admin.getTenant(id)) throw newtonError('NEWTON_ERR_TENANT_EXISTS'); // lost a race
        throw err;
      }
      req.log.info({ tenant: id, user: principal.userId }, 'tenant created');
      return reply.code(201).send(tenantJson(tenant));
    },
  );

  app.get(
    '/tenants/:id/instances',
    {
      schema: {
        tags: ['admin'],
        summary: "A tenant's provider instances; secrets only as *_set flags",
        security,
        params: tenantParams,
      },
    },
    async (req) => {
      const tenant = await tenantOf(req, opts, (req.params as { id: string }).id);
      return { items: (await admin.listInstances(tenant.id)).map(instanceJson) };
    },
  );

  app.post(
    '/tenants/:id/instances',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['admin'],
        summary: 'Add an Evolution instance or a Cloud API number to a tenant',
        description:
          'Evolution: `{provider:"evolution", instance, number?, apikey?, webhook_secret?, url?}`. ' +
          'Cloud API: `{provider:"cloud", phone_number_id, app_secret, verify_token, access_token, number?, graph_url?}`. ' +
          '409 `instance_exists` when the provider already has an instance of that name, in any tenant.',
        security,
        params: tenantParams,
        // Documents the fields; the per-provider shape is checked in the handler.
        body: {
          type: 'object',
          properties: {
            provider: { type: 'string', enum: ['evolution', 'cloud'] },
            instance: ID,
            number: { type: 'string', minLength: 1, maxLength: 64 },
            apikey: SECRET,
            webhook_secret: SECRET,
            url: { type: 'string', minLength: 1, maxLength: 2048 },
            phone_number_id: { type: 'string', minLength: 1, maxLength: 64 },
            app_secret: SECRET,
            verify_token: SECRET,
            access_token: SECRET,
            graph_url: { type: 'string', minLength: 1, maxLength: 2048 },
            allow_shared: { type: 'boolean' },
          },
          required: ['provider'],
          maxProperties: 13,
        },
      },
    },
    async (req, reply) => {
      const tenant = await tenantOf(req, opts, (req.params as { id: string }).id);
      const principal = await adminPrincipal(req, opts.tokens);
      const { input, warnings, allowShared } = toNewInstance(tenant.id, req.body);
      // Names are unique per provider across tenants; which tenant holds it is not said.
      if (await admin.findInstance(input.provider, input.name))
        throw newtonError('NEWTON_ERR_INSTANCE_EXISTS');
      await refuseSharedNumber(opts.store, principal, tenant.id, input.number, allowShared);
      let created: Instance;
      try {
        created = await admin.createInstance(input);
      } catch (err) {
        if (await admin.findInstance(input.provider, input.name))
          throw newtonError('NEWTON_ERR_INSTANCE_EXISTS');
        throw err;
      }
      req.log.info(
        { tenant: tenant.id, provider: created.provider, instance: created.name, warnings },
        'instance added',
      );
      return reply.code(201).send({ ...instanceJson(created), warnings });
    },
  );

  app.delete(
    '/tenants/:id/instances/:instanceId',
    {
      schema: {
        tags: ['admin'],
        summary: "Remove one of a tenant's instances; its webhooks become unroutable at once",
        description:
          '409 `instance_in_use` (with `conversations` and `messages` counts) while it holds any; ' +
          '`?purge=true` deletes them too and answers 200 `{removed:{conversations, messages}}`.',
        security,
        querystring: PURGE_QUERY,
        params: {
          type: 'object',
          properties: { id: ID, instanceId: ID },
          required: ['id', 'instanceId'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const params = req.params as { id: string; instanceId: string };
      const tenant = await tenantOf(req, opts, params.id);
      const found = await admin.getInstance(params.instanceId);
      if (!found || found.tenantId !== tenant.id)
        throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such instance');
      return removeInstanceReply(
        req,
        reply,
        opts.store,
        found,
        (req.query as { purge?: boolean }).purge === true,
      );
    },
  );
}

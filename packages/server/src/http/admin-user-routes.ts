/**
 * Managing a tenant's users over REST (#15, docs/api.md), for an admin of
 * the tenant the token names (X-Tenant-Id when it names several): what
 * `newton user add|list|update|disable` does. A change is announced to every
 * node at once (UserDirectory.changed): a disabled user's sockets close with
 * 4401 and their next request is a 401 `user_disabled`, on every node; its
 * `user_updated` (written with the change) reaches every socket of the tenant.
 * Also the tenant's round-robin setting.
 */
import type { AdminUser, AssignmentSettings } from '@newton/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TokenService } from '../auth/index.js';
import { newtonError, userColor, userEmail, userId, userName } from '../core/index.js';
import type { AutoAssigner, UserDirectory } from '../pipeline/index.js';
import { adminUser, type Store, UserExistsError } from '../store/index.js';
import { field, invalid } from './admin-config-routes.js';
import { type ApiCaller, authenticateApi } from './api-auth.js';
import { traceOf } from './request.js';

export interface AdminUserRouteOptions {
  store: Store;
  tokens: TokenService;
  directory: UserDirectory;
  autoAssigner?: AutoAssigner;
}

const security = [{ bearer: [] }];
const BODY_LIMIT = 8 * 1024;
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
  required: ['id'],
} as const;

const role = z.enum(['agent', 'admin']);
const createBody = z
  .object({
    id: z.string().min(1).max(128),
    name: z.string().min(1).max(100),
    role: role.default('agent'),
    email: z.string().min(3).max(254).nullable().optional(),
    color: z.string().max(7).optional(),
  })
  .strict();
const patchBody = z
  .object({
    name: z.string().min(1).max(100).optional(),
    role: role.optional(),
    email: z.string().min(3).max(254).nullable().optional(),
    color: z.string().max(7).optional(),
    disabled: z.boolean().optional(),
  })
  .strict();
const settingsBody = z.object({ auto_assign: z.boolean() }).strict();

const userFieldsSchema = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  role: { type: 'string', enum: ['agent', 'admin'] },
  email: { type: ['string', 'null'], maxLength: 254 },
  color: { type: 'string', maxLength: 7, description: '#rrggbb (default: one chosen by id)' },
} as const;
const createSchema = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 }, ...userFieldsSchema },
  required: ['id', 'name'],
} as const;
const patchSchema = {
  type: 'object',
  properties: {
    ...userFieldsSchema,
    disabled: {
      type: 'boolean',
      description: 'true disables (tokens refused at once, on every node), false enables',
    },
  },
} as const;

async function admin(req: FastifyRequest, tokens: TokenService): Promise<ApiCaller> {
  const caller = await authenticateApi(req, tokens);
  if (caller.principal.role !== 'admin') throw newtonError('NEWTON_ERR_FORBIDDEN', 'admin role required');
  return caller;
}

export async function adminUserRoutes(app: FastifyInstance, opts: AdminUserRouteOptions): Promise<void> {
  const { store, tokens, directory } = opts;

  app.get(
    '/users',
    {
      schema: {
        tags: ['agents'],
        summary: "The tenant's users, with email and times (admin role)",
        security,
      },
    },
    async (req): Promise<{ items: AdminUser[] }> => {
      const { tenantId } = await admin(req, tokens);
      return { items: (await store.users.list(tenantId)).map(adminUser) };
    },
  );

  app.get(
    '/users/:id',
    { schema: { tags: ['agents'], summary: 'One user (admin role)', security, params: idParams } },
    async (req): Promise<AdminUser> => {
      const { tenantId } = await admin(req, tokens);
      const row = await store.users.get(tenantId, (req.params as { id: string }).id);
      if (!row) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such user');
      return adminUser(row);
    },
  );

  app.post(
    '/users',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['agents'],
        summary: 'Create a user: tokens whose sub is its id speak for it (admin role)',
        security,
        body: createSchema,
      },
    },
    async (req, reply): Promise<AdminUser> => {
      const { tenantId } = await admin(req, tokens);
      const parsed = createBody.safeParse(req.body);
      if (!parsed.success) invalid(parsed.error);
      const b = parsed.data;
      try {
        const { row, events } = await store.users.create(tenantId, {
          id: field('id', () => userId(b.id)),
          name: field(null, () => userName(b.name)),
          role: b.role,
          email: b.email == null ? null : field('email', () => userEmail(b.email as string)),
          ...(b.color !== undefined ? { color: field('color', () => userColor(b.color as string)) } : {}),
        });
        await directory.changed(tenantId, row.id, events, traceOf(req));
        reply.code(201);
        return adminUser(row);
      } catch (err) {
        if (err instanceof UserExistsError) throw newtonError('NEWTON_ERR_USER_EXISTS', err.message);
        throw err;
      }
    },
  );

  app.patch(
    '/users/:id',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['agents'],
        summary: 'Change a user; disabled: true refuses its tokens at once on every node (admin role)',
        security,
        params: idParams,
        body: patchSchema,
      },
    },
    async (req): Promise<AdminUser> => {
      const { tenantId } = await admin(req, tokens);
      const parsed = patchBody.safeParse(req.body);
      if (!parsed.success) invalid(parsed.error);
      const b = parsed.data;
      const id = (req.params as { id: string }).id;
      const written = await store.users.update(tenantId, id, {
        name: b.name === undefined ? undefined : field(null, () => userName(b.name as string)),
        role: b.role,
        email: b.email == null ? b.email : field('email', () => userEmail(b.email as string)),
        color: b.color === undefined ? undefined : field('color', () => userColor(b.color as string)),
        disabled: b.disabled,
      });
      if (!written) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such user');
      await directory.changed(tenantId, id, written.events, traceOf(req));
      return adminUser(written.row);
    },
  );

  app.get(
    '/settings/assignment',
    {
      schema: {
        tags: ['agents'],
        summary: 'Whether new conversations are auto-assigned (admin role)',
        security,
      },
    },
    async (req): Promise<AssignmentSettings> => {
      const { tenantId } = await admin(req, tokens);
      return { auto_assign: (await store.users.autoAssign(tenantId)) ?? false };
    },
  );

  app.put(
    '/settings/assignment',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['agents'],
        summary:
          'Turn round-robin auto-assignment of new conversations among online agents on or off (admin role)',
        security,
        body: {
          type: 'object',
          properties: { auto_assign: { type: 'boolean' } },
          required: ['auto_assign'],
        },
      },
    },
    async (req): Promise<AssignmentSettings> => {
      const { tenantId } = await admin(req, tokens);
      const parsed = settingsBody.safeParse(req.body);
      if (!parsed.success) invalid(parsed.error);
      if (!(await store.users.setAutoAssign(tenantId, parsed.data.auto_assign)))
        throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such tenant');
      opts.autoAssigner?.settingChanged(tenantId);
      return { auto_assign: parsed.data.auto_assign };
    },
  );
}

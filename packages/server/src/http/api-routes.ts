import type { InstanceStatusPayload, Me } from '@newton/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/index.js';
import { newtonError } from '../core/index.js';
import { InvalidCursorError, type Store } from '../store/index.js';
import { type ApiCaller, authenticateApi } from './api-auth.js';

export interface ApiRouteOptions {
  store: Store;
  tokens: TokenService;
}

const pageQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', maxLength: 512 },
  },
  additionalProperties: false,
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;

const security = [{ bearer: [] }];

function caller(req: FastifyRequest): ApiCaller {
  if (!req.caller) throw newtonError('NEWTON_ERR_UNAUTHORIZED');
  return req.caller;
}

/** Translates store errors about input into 400s. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw newtonError('NEWTON_ERR_INVALID_CURSOR', err.message);
    throw err;
  }
}

/** REST under `/api`, every query scoped to the caller's tenant (docs/api.md §2). */
export async function apiRoutes(app: FastifyInstance, opts: ApiRouteOptions): Promise<void> {
  const { store, tokens } = opts;
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticateApi(req, tokens);
  });

  app.get(
    '/me',
    { schema: { tags: ['session'], summary: 'Who the token speaks for', security } },
    async (req): Promise<Me> => {
      const c = caller(req);
      return {
        user_id: c.principal.userId,
        tenant_id: c.tenantId,
        tenants: c.principal.tenants,
        role: c.principal.role,
      };
    },
  );

  app.get(
    '/conversations',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Conversations by last activity, newest first',
        security,
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            status: {
              type: 'string',
              enum: ['open', 'pending', 'resolved', 'snoozed', 'closed'],
              description: '`closed` is an alias of `resolved`',
            },
            label: {
              type: 'string',
              minLength: 1,
              maxLength: 100,
              description: 'only those with this label id',
            },
            unread: {
              type: 'boolean',
              description: 'true: only those with unread messages; false: none unread',
            },
            assignee: {
              type: 'string',
              minLength: 1,
              maxLength: 128,
              description: '`mine` (assigned to the caller), `unassigned`, or a user id',
            },
          },
        },
      },
    },
    async (req) => {
      const { assignee, ...q } = req.query as {
        limit: number;
        cursor?: string;
        status?: string;
        label?: string;
        unread?: boolean;
        assignee?: string;
      };
      const c = caller(req);
      const who = assignee === 'mine' ? c.principal.userId : assignee === 'unassigned' ? null : assignee;
      return guard(() => store.inbox.listConversations(c.tenantId, { ...q, assignee: who }));
    },
  );

  app.get(
    '/conversations/:id',
    { schema: { tags: ['inbox'], summary: 'One conversation', security, params: idParams } },
    async (req) => {
      const { id } = req.params as { id: string };
      const conv = await store.inbox.getConversation(caller(req).tenantId, id);
      if (!conv) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
      return conv;
    },
  );

  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['inbox'],
        summary: "A conversation's messages, newest first; next_cursor continues with older ones",
        security,
        params: idParams,
        querystring: {
          ...pageQuery,
          properties: {
            ...pageQuery.properties,
            around: {
              type: 'string',
              minLength: 1,
              maxLength: 100,
              description:
                'A message id: every newer message (at most 1,000), that one and `limit - 1` older ones (a search result opened in its thread); not with `cursor`',
            },
          },
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const tenantId = caller(req).tenantId;
      const conv = await store.inbox.getConversation(tenantId, id);
      if (!conv) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
      const q = req.query as { limit: number; cursor?: string; around?: string };
      if (q.around !== undefined) {
        if (q.cursor) throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'around and cursor cannot be combined');
        const page = await store.inbox.messagesAround(tenantId, id, q.around, q.limit);
        if (!page) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such message in the conversation');
        return page;
      }
      return guard(() => store.inbox.listMessages(tenantId, id, q));
    },
  );

  app.get(
    '/leads',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Leads by last change, newest first; q filters by name or phone digits',
        security,
        querystring: {
          ...pageQuery,
          properties: { ...pageQuery.properties, q: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (req) => {
      const q = req.query as { limit: number; cursor?: string; q?: string };
      return guard(() => store.inbox.listLeads(caller(req).tenantId, q));
    },
  );

  // `GET /leads/{id}` and `PATCH /leads/{id}`: lead-routes.ts (the lead panel).

  app.get(
    '/instances',
    {
      schema: {
        tags: ['inbox'],
        summary: "The tenant's WhatsApp numbers and their state at the provider (never a secret)",
        security,
      },
    },
    async (req): Promise<{ items: InstanceStatusPayload[] }> => ({
      items: await store.instances.list(caller(req).tenantId),
    }),
  );
}

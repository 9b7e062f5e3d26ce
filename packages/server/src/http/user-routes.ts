/**
 * Agents and assignment for every agent of the tenant (#15, docs/api.md):
 * `GET /api/users` (who is who: names and colours for the inbox) and
 * `PUT /api/conversations/{id}/assignee` (assign to self; an admin assigns
 * anyone; null unassigns).
 */
import type { ConversationAnswer, UsersAnswer } from '@newton/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TokenService } from '../auth/index.js';
import { type EventBus, type Logger, newtonError } from '../core/index.js';
import { publishCommitted } from '../pipeline/publish.js';
import { publicUser, type Store } from '../store/index.js';
import { invalid } from './admin-config-routes.js';
import { authenticateApi } from './api-auth.js';
import { traceOf } from './request.js';

export interface UserRouteOptions {
  store: Store;
  tokens: TokenService;
  bus: EventBus;
  logger: Logger;
}

const security = [{ bearer: [] }];
const assignBody = z.object({ assignee_id: z.string().min(1).max(128).nullable() }).strict();

export async function userRoutes(app: FastifyInstance, opts: UserRouteOptions): Promise<void> {
  const { store, tokens } = opts;

  app.get(
    '/users',
    {
      schema: {
        tags: ['agents'],
        summary: "The tenant's users (agents and admins) by name: ids, names, roles, colours",
        security,
      },
    },
    async (req): Promise<UsersAnswer> => {
      const { tenantId } = await authenticateApi(req, tokens);
      return { items: (await store.users.list(tenantId)).map(publicUser) };
    },
  );

  app.put(
    '/conversations/:id/assignee',
    {
      bodyLimit: 4096,
      schema: {
        tags: ['agents'],
        summary:
          'Assign the conversation (to yourself; an admin to any enabled user) or unassign it (null); sent as conversation_updated',
        security,
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
          required: ['id'],
        },
        body: {
          type: 'object',
          properties: { assignee_id: { type: ['string', 'null'], minLength: 1, maxLength: 128 } },
          required: ['assignee_id'],
        },
      },
    },
    async (req): Promise<ConversationAnswer> => {
      const { principal, tenantId } = await authenticateApi(req, tokens);
      const parsed = assignBody.safeParse(req.body);
      if (!parsed.success) invalid(parsed.error);
      const { id } = req.params as { id: string };
      const assignee = parsed.data.assignee_id;
      // An agent takes a conversation or lets it go; giving it to someone else is an admin's.
      if (assignee !== null && assignee !== principal.userId && principal.role !== 'admin')
        throw newtonError('NEWTON_ERR_ASSIGN_FORBIDDEN');
      if (assignee === null && principal.role !== 'admin') {
        const conv = await store.inbox.getConversation(tenantId, id);
        if (!conv) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
        if (conv.assignee_id != null && conv.assignee_id !== principal.userId)
          throw newtonError(
            'NEWTON_ERR_ASSIGN_FORBIDDEN',
            "an agent cannot unassign another agent's conversation",
          );
      }
      const result = await store.assignment.assign(tenantId, id, assignee);
      if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
      if (result.outcome === 'unknown_assignee')
        throw newtonError('NEWTON_ERR_UNKNOWN_ASSIGNEE', undefined, { assignee_id: assignee });
      const trace = traceOf(req);
      const log = opts.logger.child({ trace, tenant: tenantId, conversation_id: id });
      log.info(
        { user: principal.userId, assignee, seq: result.events.map((e) => e.seq) },
        'conversation assigned',
      );
      await publishCommitted(opts.bus, result.events, trace, log);
      return { conversation: result.conversation };
    },
  );
}

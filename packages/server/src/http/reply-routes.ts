/**
 * REST for the agent's side of a conversation (issue #5): send a reply, retry
 * a failed one, mark the conversation read. Tenant from the token only; an id
 * of another tenant answers 404 exactly like a missing one.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/index.js';
import { newtonError } from '../core/index.js';
import type { OutboundService } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import { type ApiCaller, authenticateApi } from './api-auth.js';
import { traceOf } from './request.js';

export interface ReplyRouteOptions {
  store: Store;
  tokens: TokenService;
  outbound: OutboundService;
}

/** Longest reply text (the Cloud API's limit; WhatsApp's own is higher). */
const MAX_REPLY_CHARS = 4096;

const security = [{ bearer: [] }];
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;

const replyBody = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: MAX_REPLY_CHARS, description: 'the reply text' },
    client_id: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'idempotency key: the same client_id again answers the stored reply and sends nothing',
    },
    reply_to: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description:
        'id of a message of this conversation the reply quotes (Evolution `quoted`, Cloud `context`)',
    },
  },
  required: ['text'],
  additionalProperties: false,
} as const;

function caller(req: FastifyRequest): ApiCaller {
  if (!req.caller) throw newtonError('NEWTON_ERR_UNAUTHORIZED');
  return req.caller;
}

export async function replyRoutes(app: FastifyInstance, opts: ReplyRouteOptions): Promise<void> {
  const { outbound, tokens } = opts;
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticateApi(req, tokens);
  });

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Send a text reply: stored as pending (201), then sent through the instance',
        security,
        params: idParams,
        body: replyBody,
      },
    },
    async (req, reply) => {
      const c = caller(req);
      const { id } = req.params as { id: string };
      const body = req.body as { text: string; client_id?: string; reply_to?: string };
      if (body.text.trim() === '') throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'body/text is blank');
      const answer = await outbound.reply(
        {
          tenantId: c.tenantId,
          userId: c.principal.userId,
          conversationId: id,
          text: body.text,
          clientId: body.client_id ?? null,
          replyTo: body.reply_to ?? null,
        },
        traceOf(req),
      );
      return reply.code(answer.created ? 201 : 200).send({ message: answer.message });
    },
  );

  app.post(
    '/messages/:id/retry',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Send a failed reply again (same message id, back to pending)',
        security,
        params: idParams,
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return { message: await outbound.retry(caller(req).tenantId, id, traceOf(req)) };
    },
  );

  app.post(
    '/conversations/:id/read',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Mark a conversation read: unread_count 0 and a conversation_updated event',
        security,
        params: idParams,
      },
    },
    async (req) => {
      const c = caller(req);
      const { id } = req.params as { id: string };
      return { conversation: await outbound.markRead(c.tenantId, id, c.principal.userId, traceOf(req)) };
    },
  );
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../core/index.js';
import type { EvolutionWebhook, ReceiptRecorder } from '../../providers/index.js';
import { header, traceOf } from '../request.js';
import { recordRejectedWebhooks } from './rejected.js';

export interface EvolutionRouteOptions {
  webhook: EvolutionWebhook;
  receipts: ReceiptRecorder;
  bodyLimit: number;
  logger: Logger;
  /** Formats an error as Newton's JSON error body. */
  sendError: (reply: FastifyReply, err: unknown) => FastifyReply;
}

/** `POST /webhooks/evolution` and `POST /webhooks/evolution/{event-name}` (CONTRACT.md §2). */
export async function evolutionRoutes(app: FastifyInstance, opts: EvolutionRouteOptions): Promise<void> {
  recordRejectedWebhooks(app, {
    ...opts,
    eventOf: (req) => (req.params as { event?: string }).event ?? null,
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const query = req.query as Record<string, string | undefined>;
    const auth = header(req, 'authorization');
    const result = await opts.webhook.handle({
      body: req.body,
      urlEvent: (req.params as { event?: string }).event,
      credentials: {
        headerApikey: header(req, 'apikey'),
        queryToken: query.token,
        bearer: auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined,
      },
      bodySize: Number(header(req, 'content-length') ?? 0),
      traceId: traceOf(req),
      receivedAt: Date.now(),
    });
    return reply.code(result.status).send(result.body);
  };

  const schema = {
    tags: ['webhooks'],
    summary: 'Evolution API v2 webhook',
    querystring: {
      type: 'object',
      properties: { token: { type: 'string', description: 'webhook secret of the instance' } },
    },
  };
  app.post('/webhooks/evolution', { bodyLimit: opts.bodyLimit, schema }, handler);
  app.post('/webhooks/evolution/:event', { bodyLimit: opts.bodyLimit, schema }, handler);
}

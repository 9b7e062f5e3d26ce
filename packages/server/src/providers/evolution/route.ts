import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../logger.js';
import type { ReceiptRecorder } from '../receipts.js';
import type { EvolutionWebhook } from './webhook.js';

export interface EvolutionRouteOptions {
  webhook: EvolutionWebhook;
  receipts: ReceiptRecorder;
  bodyLimit: number;
  logger: Logger;
  /** Formats an error as Newton's JSON error body. */
  sendError: (reply: FastifyReply, err: unknown) => FastifyReply;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `POST /webhooks/evolution` and `POST /webhooks/evolution/{event-name}` (CONTRACT.md §2). */
export async function evolutionRoutes(app: FastifyInstance, opts: EvolutionRouteOptions): Promise<void> {
  // Bodies that never reach the handler (too large, not JSON) still leave a receipt.
  app.setErrorHandler(async (err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) {
      const traceId = randomUUID();
      await opts.receipts.record(traceId, Date.now(), Number(header(req, 'content-length') ?? 0), {
        outcome: 'rejected',
        reason: `${(err as Error).message} (HTTP ${status})`,
        event: (req.params as { event?: string }).event ?? null,
      });
      opts.logger.warn({ trace: traceId, status, reason: (err as Error).message }, 'webhook rejected');
    }
    return opts.sendError(reply, err);
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
      traceId: header(req, 'x-request-id')?.slice(0, 100) ?? randomUUID(),
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

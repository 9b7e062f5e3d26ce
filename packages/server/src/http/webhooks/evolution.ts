import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InstanceDirectory, Logger } from '../../core/index.js';
import { type EvolutionWebhook, normalizeEventName, type ReceiptRecorder } from '../../providers/index.js';
import { header, traceOf } from '../request.js';
import { scanHead } from './body-head.js';
import { type ParsedBody, parseJsonWebhooks } from './body-parsers.js';
import type { BodyPool } from './body-pool.js';
import { recordRejectedWebhooks } from './rejected.js';

export interface EvolutionRouteOptions {
  webhook: EvolutionWebhook;
  admin: InstanceDirectory;
  receipts: ReceiptRecorder;
  /** WEBHOOK_BODY_LIMIT: Evolution's "webhook base64" puts whole media files in the body. */
  bodyLimit: number;
  /** Parses big bodies off the event loop. */
  pool: BodyPool;
  logger: Logger;
  /** Formats an error as Newton's JSON error body. */
  sendError: (reply: FastifyReply, err: unknown) => FastifyReply;
}

const urlEventOf = (req: FastifyRequest) => (req.params as { event?: string }).event ?? null;

/** `POST /webhooks/evolution` and `POST /webhooks/evolution/{event-name}` (docs/api.md §1.1). */
export async function evolutionRoutes(app: FastifyInstance, opts: EvolutionRouteOptions): Promise<void> {
  parseJsonWebhooks(app, opts.pool, opts.bodyLimit);
  recordRejectedWebhooks(app, {
    ...opts,
    provider: 'evolution',
    eventOf: urlEventOf,
    // Evolution writes `event` and `instance` first (webhook.controller.ts, docs/api.md §1.1).
    headNames: (head, req) => {
      const found = scanHead(head, ['event', 'instance', 'data.key.id']);
      const event = found.get('event') ?? urlEventOf(req);
      return {
        event: event === null ? null : normalizeEventName(event),
        instanceName: found.get('instance')?.trim() || null,
        providerMessageId: found.get('data.key.id') ?? null,
      };
    },
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const query = req.query as Record<string, string | undefined>;
    const auth = header(req, 'authorization');
    const body = req.body as ParsedBody;
    const result = await opts.webhook.handle({
      body: body.json,
      inline: body.inline,
      urlEvent: (req.params as { event?: string }).event,
      credentials: {
        headerApikey: header(req, 'apikey'),
        queryToken: query.token,
        bearer: auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined,
      },
      bodySize: body.bytes,
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

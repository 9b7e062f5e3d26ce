/**
 * The content-type parsers of the webhook routes: bodies up to
 * WEBHOOK_BODY_LIMIT read from the stream (body-reader.ts), big ones parsed
 * off the event loop (body-pool.ts). Registered inside each route plugin, so
 * other routes keep Fastify's small default limit.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newtonError } from '../../core/index.js';
import type { ParsedBody } from './body-parse.js';
import type { BodyPool } from './body-pool.js';
import { readBody } from './body-reader.js';

export type { ParsedBody } from './body-parse.js';

/** JSON bodies become a ParsedBody: the JSON without embedded media, the media, the size. */
export function parseJsonWebhooks(app: FastifyInstance, pool: BodyPool, limit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    async (_req: FastifyRequest, payload: IncomingMessage): Promise<ParsedBody> => {
      const outcome = await pool.parse(await readBody(payload, limit));
      if (!outcome.ok) throw newtonError('NEWTON_ERR_INVALID_JSON', outcome.reason);
      return outcome.body;
    },
  );
}

/** Bodies of any type are kept as their raw bytes (a signature covers them). */
export function keepRawWebhooks(app: FastifyInstance, limit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', async (_req: FastifyRequest, payload: IncomingMessage) =>
    readBody(payload, limit),
  );
}

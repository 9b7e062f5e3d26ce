/**
 * `GET /api/search?q=…` (issue #15 §6): full-text search over every message
 * and lead of the caller's tenant (store/search.ts). The tenant comes from
 * the token only, as for every route under `/api`.
 */
import type { SearchAnswer } from '@newton/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TokenService } from '../auth/index.js';
import { newtonError } from '../core/index.js';
import { InvalidCursorError, type Store } from '../store/index.js';
import { authenticateApi } from './api-auth.js';
import { errorBody, jsonSchema } from './openapi/answer-schemas.js';
import { SearchAnswer as SearchAnswerSchema } from './openapi/search-schemas.js';

export interface SearchRouteOptions {
  store: Store;
  tokens: TokenService;
}

/** Longest query accepted, in characters (of which the first 8 words are used). */
export const MAX_QUERY_CHARS = 200;

const query = z
  .object({
    q: z.string().trim().min(1).max(MAX_QUERY_CHARS),
    limit: z.coerce.number().int().min(1).max(50).default(20),
    cursor: z.string().min(1).max(64).optional(),
  })
  .strict();

export async function searchRoutes(app: FastifyInstance, opts: SearchRouteOptions): Promise<void> {
  const { store, tokens } = opts;
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticateApi(req, tokens);
  });

  app.get(
    '/search',
    {
      schema: {
        tags: ['inbox'],
        summary: "Full-text search over the tenant's messages and leads, best match first",
        description:
          "Every word of `q` must begin a word of the message (or of the lead's name, or appear in its phone " +
          'digits); case and accents are ignored ("cancion" finds "Canción"); at most 8 words are used. ' +
          'Messages deleted for everyone and diagnostics probes are never found. Each message comes with its ' +
          'conversation and a snippet whose matches are `[start, end)` offsets; matching leads (at most 10) come ' +
          'on the first page only. `cursor=next_cursor` continues, up to 1,000 results deep.',
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', minLength: 1, maxLength: MAX_QUERY_CHARS },
            limit: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
            cursor: { type: 'string', minLength: 1, maxLength: 64 },
          },
          required: ['q'],
          additionalProperties: false,
        },
        response: {
          200: jsonSchema(SearchAnswerSchema, 'Matching messages and leads, best first'),
          '4xx': errorBody,
          '5xx': errorBody,
        },
      },
    },
    async (req): Promise<SearchAnswer> => {
      const parsed = query.safeParse(req.query);
      if (!parsed.success) {
        throw newtonError('NEWTON_ERR_INVALID_REQUEST', parsed.error.issues[0]?.message ?? 'invalid query');
      }
      const tenantId = req.caller?.tenantId;
      if (!tenantId) throw newtonError('NEWTON_ERR_UNAUTHORIZED');
      try {
        return await store.search.search(tenantId, parsed.data);
      } catch (err) {
        if (err instanceof InvalidCursorError) throw newtonError('NEWTON_ERR_INVALID_CURSOR', err.message);
        throw err;
      }
    },
  );
}

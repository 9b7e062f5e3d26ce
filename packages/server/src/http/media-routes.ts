import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../auth/index.js';
import type { Logger } from '../core/index.js';
import { newtonError } from '../core/index.js';
import type { MediaKeeper } from '../media/index.js';
import { MediaFetchError, type MediaFetchers } from '../providers/index.js';
import type { Store } from '../store/index.js';
import { authenticateApi } from './api-auth.js';
import { dispositionOf, serveStored } from './media-serve.js';

export interface MediaRouteOptions {
  store: Store;
  tokens: TokenService;
  fetchers: MediaFetchers;
  logger: Logger;
  /** Largest media streamed; larger answers 413 media_too_large. @default 16777216 */
  maxBytes?: number;
  /** Budget for fetching one file from the provider, headers and body. @default 60000 */
  timeoutMs?: number;
  /** The media keeper: its store serves kept media; a message it does not track yet is handed to it. */
  keeper?: MediaKeeper;
}

/**
 * `GET /api/messages/{id}/media`: the message's media from the media store
 * (with Range, 206/416), where the media keeper put it; only while the bytes
 * are not there yet, fetched from its provider with the instance's
 * credentials and streamed through, size-limited (`Cache-Control: private`).
 */
export async function mediaRoutes(app: FastifyInstance, opts: MediaRouteOptions): Promise<void> {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  app.addHook('onRequest', async (req) => {
    req.caller = await authenticateApi(req, opts.tokens);
  });

  app.get(
    '/messages/:id/media',
    {
      schema: {
        tags: ['inbox'],
        summary:
          "A message's media (image, video, audio, document, sticker): from the media store (Range supported), else streamed from the provider",
        security: [{ bearer: [] }],
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
          required: ['id'],
        },
      },
    },
    async (req, reply) => {
      const caller = req.caller;
      if (!caller) throw newtonError('NEWTON_ERR_UNAUTHORIZED');
      const { id } = req.params as { id: string };
      const source = await opts.store.media.findSource(caller.tenantId, id);
      if (!source) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such message');
      if (!source.media)
        throw newtonError('NEWTON_ERR_NOT_FOUND', `the message is of type ${source.type} and has no media`);
      const log = opts.logger.child({ tenant: caller.tenantId, message_id: id, provider: source.provider });
      const keeper = opts.keeper;
      if (keeper) {
        const record = await opts.store.mediaState.record(caller.tenantId, id);
        if (record?.state === 'ready' && (await serveStored(req, reply, record, keeper.blobs, log)))
          return reply;
        // Not tracked (stored before the keeper ran, or its hand-over was lost): keep it from now on.
        if (!record) keeper.keep(caller.tenantId, id, req.id);
        reply.removeHeader('etag');
        reply.removeHeader('accept-ranges');
      }
      const fetcher = opts.fetchers.get(source.provider);
      if (!fetcher) {
        throw newtonError(
          'NEWTON_ERR_MEDIA_UNAVAILABLE',
          `media of ${source.provider} messages cannot be fetched`,
        );
      }
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      // The client left: stop downloading from the provider.
      reply.raw.on('close', () => abort.abort());
      try {
        const media = await fetcher.fetch({
          instance: source.instance,
          providerMessageId: source.providerMessageId,
          media: source.media,
          maxBytes,
          signal: abort.signal,
        });
        media.body.on('close', () => clearTimeout(timer));
        media.body.on('error', (err) => log.warn({ reason: (err as Error).message }, 'media stream failed'));
        log.info({ size: media.size, content_type: media.contentType }, 'media streamed');
        reply
          .header('content-type', media.contentType)
          .header('cache-control', 'private, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', dispositionOf(source.media.file_name));
        if (media.size !== null) reply.header('content-length', String(media.size));
        return reply.send(media.body);
      } catch (err) {
        clearTimeout(timer);
        if (err instanceof MediaFetchError) {
          log.warn({ kind: err.kind, reason: err.message }, 'media not delivered');
          throw newtonError(
            err.kind === 'too_large' ? 'NEWTON_ERR_MEDIA_TOO_LARGE' : 'NEWTON_ERR_MEDIA_UNAVAILABLE',
            err.message,
          );
        }
        throw err;
      }
    },
  );
}

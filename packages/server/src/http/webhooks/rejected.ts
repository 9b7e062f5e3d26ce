import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../core/index.js';
import type { ReceiptRecorder } from '../../providers/index.js';
import { header, traceOf } from '../request.js';

export interface WebhookErrorOptions {
  receipts: ReceiptRecorder;
  logger: Logger;
  /** Formats an error as Newton's JSON error body. */
  sendError: (reply: FastifyReply, err: unknown) => FastifyReply;
  /** The receipt's `event` for a request that failed before its handler. @default null */
  eventOf?: (req: FastifyRequest) => string | null;
}

/**
 * Bodies that never reach a webhook handler (too large, not parseable) still
 * leave a `rejected` receipt; server failures are only answered.
 */
export function recordRejectedWebhooks(app: FastifyInstance, opts: WebhookErrorOptions): void {
  app.setErrorHandler(async (err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) {
      const traceId = traceOf(req);
      await opts.receipts.record(traceId, Date.now(), Number(header(req, 'content-length') ?? 0), {
        outcome: 'rejected',
        reason: `${(err as Error).message} (HTTP ${status})`,
        event: opts.eventOf?.(req) ?? null,
      });
      opts.logger.warn({ trace: traceId, status, reason: (err as Error).message }, 'webhook rejected');
    }
    return opts.sendError(reply, err);
  });
}

import type { ProviderName } from '@newton/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorTable, type InstanceDirectory, type Logger } from '../../core/index.js';
import type { ReceiptRecorder } from '../../providers/index.js';
import { header, traceOf } from '../request.js';
import { BodyTooLarge } from './body-reader.js';

/** Who posted an over-limit body and what it was, as far as its head shows. */
export interface HeadNames {
  event: string | null;
  /** Evolution instance name, Cloud phone_number_id. */
  instanceName: string | null;
  /** The (first) message the body carried, when the head shows its id. */
  providerMessageId?: string | null;
}

export interface WebhookErrorOptions {
  provider: ProviderName;
  admin: InstanceDirectory;
  receipts: ReceiptRecorder;
  logger: Logger;
  /** Formats an error as Newton's JSON error body. */
  sendError: (reply: FastifyReply, err: unknown) => FastifyReply;
  /** The receipt's `event` for a request that failed before its handler. @default null */
  eventOf?: (req: FastifyRequest) => string | null;
  /** Reads the event and instance from the first bytes of an over-limit body. */
  headNames: (head: string, req: FastifyRequest) => HeadNames;
}

/**
 * Bodies that never reach a webhook handler (too large, not parseable) still
 * leave a `rejected` receipt; server failures are only answered. An
 * over-limit body is answered 413 naming the provider, instance and event its
 * head shows, and its receipt is routed to the instance's tenant, so the
 * operator sees who lost what.
 */
export function recordRejectedWebhooks(app: FastifyInstance, opts: WebhookErrorOptions): void {
  app.setErrorHandler(async (err, req, reply) => {
    if (err instanceof BodyTooLarge) return tooLarge(err, req, reply, opts);
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

async function tooLarge(
  err: BodyTooLarge,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: WebhookErrorOptions,
): Promise<FastifyReply> {
  const traceId = traceOf(req);
  const names = opts.headNames(err.head.toString('utf8'), req);
  const instance = names.instanceName
    ? await opts.admin.findInstance(opts.provider, names.instanceName).catch(() => undefined)
    : undefined;
  // No excerpt: the head of such a body is mostly embedded media.
  await opts.receipts.record(traceId, Date.now(), err.bytes, {
    outcome: 'rejected',
    reason: `${err.message} (HTTP 413)`,
    event: names.event,
    instanceName: names.instanceName,
    providerMessageId: names.providerMessageId ?? null,
    tenantId: instance?.tenantId ?? null,
    instanceId: instance?.id ?? null,
  });
  opts.logger.warn(
    {
      trace: traceId,
      provider: opts.provider,
      instance: names.instanceName,
      tenant: instance?.tenantId,
      event: names.event,
      bytes: err.bytes,
      limit: err.limit,
    },
    'webhook rejected: body over WEBHOOK_BODY_LIMIT',
  );
  return reply.code(413).send({
    error: ErrorTable.NEWTON_ERR_PAYLOAD_TOO_LARGE.code,
    message: err.message,
    provider: opts.provider,
    instance: names.instanceName,
    event: names.event,
    bytes: err.bytes,
    limit: err.limit,
    trace_id: traceId,
  });
}

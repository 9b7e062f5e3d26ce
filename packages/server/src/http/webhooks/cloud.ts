import type { FastifyInstance, FastifyReply } from 'fastify';
import { ErrorTable, type InstanceDirectory, type Logger } from '../../core/index.js';
import type { CloudWebhook, ReceiptRecorder } from '../../providers/index.js';
import { MAX_CHALLENGE_CHARS, verifyHandshake } from '../../providers/index.js';
import { header, traceOf } from '../request.js';
import { scanHead } from './body-head.js';
import { keepRawWebhooks } from './body-parsers.js';
import { recordRejectedWebhooks } from './rejected.js';

const PHONE_NUMBER_ID = 'entry.0.changes.0.value.metadata.phone_number_id';
const FIELD = 'entry.0.changes.0.field';
const MESSAGE_ID = 'entry.0.changes.0.value.messages.0.id';

export interface CloudRouteOptions {
  webhook: CloudWebhook;
  admin: InstanceDirectory;
  receipts: ReceiptRecorder;
  /** Largest body (WEBHOOK_BODY_LIMIT); Meta sends up to 3 MB (docs/api.md §1.8). */
  bodyLimit: number;
  logger: Logger;
  /** Formats an error as Newton's JSON error body. */
  sendError: (reply: FastifyReply, err: unknown) => FastifyReply;
}

/**
 * `GET /webhooks/whatsapp` (verification handshake) and `POST /webhooks/whatsapp`
 * (signed notifications) of the WhatsApp Cloud API (docs/api.md §1.8).
 */
export async function cloudRoutes(app: FastifyInstance, opts: CloudRouteOptions): Promise<void> {
  // The signature covers the bytes Meta sent: keep them, parse JSON only after checking it.
  keepRawWebhooks(app, opts.bodyLimit);

  recordRejectedWebhooks(app, {
    ...opts,
    provider: 'cloud',
    // Meta writes `field` after `value`: a big body's head may show only the number.
    headNames: (head) => {
      const found = scanHead(head, [PHONE_NUMBER_ID, FIELD, MESSAGE_ID]);
      return {
        event: found.get(FIELD) ?? null,
        instanceName: found.get(PHONE_NUMBER_ID) ?? null,
        providerMessageId: found.get(MESSAGE_ID) ?? null,
      };
    },
  });

  app.get(
    '/webhooks/whatsapp',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'WhatsApp Cloud API verification handshake (answers hub.challenge as text/plain)',
        querystring: {
          type: 'object',
          properties: {
            'hub.mode': { type: 'string', maxLength: 50 },
            'hub.verify_token': { type: 'string', maxLength: 500 },
            'hub.challenge': { type: 'string', maxLength: MAX_CHALLENGE_CHARS },
          },
        },
      },
    },
    async (req, reply) => {
      const traceId = traceOf(req);
      const result = verifyHandshake(
        req.query as Record<string, unknown>,
        await opts.admin.cloudVerifyTokens(),
      );
      const event = 'verification';
      if (!result.ok) {
        opts.logger.warn({ trace: traceId, reason: result.reason }, 'webhook verification refused');
        await opts.receipts.record(traceId, Date.now(), 0, {
          outcome: 'rejected',
          event,
          reason: result.reason,
        });
        const error = (
          result.status === 403 ? ErrorTable.NEWTON_ERR_FORBIDDEN : ErrorTable.NEWTON_ERR_INVALID_REQUEST
        ).code;
        return reply.code(result.status).send({ error, message: result.reason });
      }
      opts.logger.info({ trace: traceId }, 'webhook verification answered');
      await opts.receipts.record(traceId, Date.now(), 0, { outcome: 'accepted', event });
      return reply
        .code(200)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(result.challenge);
    },
  );

  app.post(
    '/webhooks/whatsapp',
    {
      bodyLimit: opts.bodyLimit,
      schema: {
        tags: ['webhooks'],
        summary: 'WhatsApp Cloud API webhook (checked with X-Hub-Signature-256 over the raw body)',
      },
    },
    async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await opts.webhook.handle({
        raw,
        signature: header(req, 'x-hub-signature-256'),
        traceId: traceOf(req),
        receivedAt: Date.now(),
      });
      return reply.code(result.status).send(result.body);
    },
  );
}

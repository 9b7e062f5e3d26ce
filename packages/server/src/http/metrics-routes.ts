import type { FastifyInstance } from 'fastify';
import type { NodeMetrics } from '../diagnostics/index.js';

const OUTCOMES = /"outcome":"(accepted|duplicate|ignored|unroutable|rejected|account)"/g;

/** `GET /metrics`: the node's Prometheus metrics (no token; keep it off the public network). */
export async function metricsRoutes(app: FastifyInstance, opts: { metrics: NodeMetrics }): Promise<void> {
  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics of this node', hide: false } },
    async (_req, reply) => {
      const { contentType, body } = await opts.metrics.text();
      return reply.type(contentType).send(body);
    },
  );
}

/**
 * Counts every webhook answer by provider and outcome (each item of a batch),
 * whatever provider adapter produced it, and times accepted ones from request
 * to answer (the answer is sent after the commit: webhook → stored). Installed
 * on the root instance so that it sees every provider's routes.
 */
export function countWebhooks(app: FastifyInstance, metrics: NodeMetrics): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'POST' || !req.url.startsWith('/webhooks/')) return payload;
    const provider = req.url.startsWith('/webhooks/whatsapp')
      ? 'cloud'
      : req.url.startsWith('/webhooks/evolution')
        ? 'evolution'
        : 'other';
    const text = typeof payload === 'string' ? payload : '';
    let accepted = false;
    let counted = 0;
    for (const m of text.matchAll(OUTCOMES)) {
      const outcome = m[1] as string;
      metrics.webhook(provider, outcome);
      accepted ||= outcome === 'accepted';
      counted++;
    }
    if (counted === 0) metrics.webhook(provider, reply.statusCode >= 500 ? 'error' : 'rejected');
    if (accepted) metrics.webhookStored(reply.elapsedTime / 1000);
    return payload;
  });
}

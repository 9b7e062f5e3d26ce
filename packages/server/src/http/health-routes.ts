import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../core/index.js';
import type { Store } from '../store/index.js';

export interface HealthRouteOptions {
  store: Store;
  bus: EventBus;
  nodeId: string;
  /** True once shutdown began: the node is alive but takes no new work. */
  isDraining: () => boolean;
}

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  try {
    await fn();
    return { ok: true, ms: Math.round((performance.now() - started) * 100) / 100 };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (err as Error).message };
  }
}

/** `/healthz` (the process is alive) and `/readyz` (database and bus answer). */
export async function healthRoutes(app: FastifyInstance, opts: HealthRouteOptions): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
    node: opts.nodeId,
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: database and bus' } },
    async (_req, reply) => {
      const [database, bus] = await Promise.all([
        check(() => opts.store.ping()),
        check(() => opts.bus.roundTrip(1000)),
      ]);
      const draining = opts.isDraining();
      const ready = database.ok && bus.ok && !draining;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : draining ? 'draining' : 'degraded',
        node: opts.nodeId,
        checks: { database, bus: { ...bus, kind: opts.bus.kind } },
      });
    },
  );
}

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

/** Longest a readiness check waits (a black-holed database must not hang the probe). */
const CHECK_TIMEOUT_MS = 2000;
/** The bus round trip's own limit: Redis answers in a millisecond when it is there. */
const BUS_TIMEOUT_MS = 1000;

interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

async function check(fn: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([fn(), timeout]);
    return { ok: true, ms: Math.round((performance.now() - started) * 100) / 100 };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What the node can do, from its checks (docs/api.md §4):
 * - `ready` (200): database and bus answer;
 * - `degraded` (200): the bus is down, but webhooks are stored and this node's
 *   sockets are served (other nodes' sockets catch up from the event log when
 *   it returns): taking the node out of rotation would only make it worse;
 * - `unavailable` (503): the database does not answer, nothing can be stored;
 * - `draining` (503): shutting down, takes no new work.
 */
export function readiness(
  database: Check,
  bus: Check,
  draining: boolean,
): { code: 200 | 503; status: string; reason?: string } {
  if (draining) return { code: 503, status: 'draining', reason: 'this node is shutting down' };
  if (!database.ok)
    return {
      code: 503,
      status: 'unavailable',
      reason: 'the database does not answer: webhooks cannot be stored and sockets cannot resume',
    };
  if (!bus.ok)
    return {
      code: 200,
      status: 'degraded',
      reason:
        "the bus does not answer: webhooks are stored and this node's sockets served; other nodes' sockets catch up from the event log when it returns",
    };
  return { code: 200, status: 'ready' };
}

/** `/healthz` (the process is alive) and `/readyz` (the node can do its job; the bus state in the body). */
export async function healthRoutes(app: FastifyInstance, opts: HealthRouteOptions): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
    node: opts.nodeId,
  }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 ready or degraded (bus down), 503 unavailable (database) or draining',
      },
    },
    async (_req, reply) => {
      const [database, bus] = await Promise.all([
        check(() => opts.store.ping()),
        check(() => opts.bus.roundTrip(BUS_TIMEOUT_MS)),
      ]);
      const r = readiness(database, bus, opts.isDraining());
      return reply.code(r.code).send({
        status: r.status,
        node: opts.nodeId,
        ...(r.reason ? { reason: r.reason } : {}),
        checks: { database, bus: { ...bus, kind: opts.bus.kind } },
      });
    },
  );
}

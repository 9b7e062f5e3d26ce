import type { FastifyInstance } from 'fastify';
import { newtonError } from '../core/index.js';
import { sendError } from './send-error.js';

/** Paths that keep answering while a node drains, so a load balancer can see it go. */
const ALWAYS = new Set(['/healthz', '/readyz', '/metrics']);

export interface Drain {
  /** Refuses new requests with 503 and resolves when in-flight ones have finished (or after `timeoutMs`). */
  start(timeoutMs: number): Promise<void>;
  readonly draining: boolean;
  readonly inFlight: number;
}

/**
 * Graceful shutdown for HTTP: once draining, new requests get 503 (Evolution
 * and Meta retry those, through the load balancer to another node), and the
 * ones already running are finished before sockets and the server close.
 */
export function installDrain(app: FastifyInstance): Drain {
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  app.addHook('onRequest', async (req, reply) => {
    if (draining && !ALWAYS.has(req.url.split('?')[0] ?? '')) {
      reply.header('retry-after', '1').header('connection', 'close');
      return sendError(reply, newtonError('NEWTON_ERR_NOT_READY', 'this node is shutting down; retry'));
    }
    inFlight++;
    // 'close' fires once the response is finished or the client went away.
    reply.raw.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
  });
  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    start(timeoutMs: number) {
      draining = true;
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

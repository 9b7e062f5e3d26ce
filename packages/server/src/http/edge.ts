import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The REST API a page of another origin may call (the inbox and the SDK use nothing else). */
const API_PREFIX = '/api/';

/**
 * CORS for the REST API (CORS_ORIGINS, #14): a request or preflight to
 * `/api/…` from a listed origin gets that origin back, the methods, and the
 * `Authorization` and `Content-Type` headers; bearer tokens only, so no
 * credentials (cookies) are allowed. Any other origin, and any other path
 * (webhooks, metrics, health), gets no CORS header at all, so the browser
 * blocks the page (a preflight is answered 404, as without CORS). Sockets
 * are not concerned: their token authenticates them, whatever the page.
 */
export async function installCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  await app.register(cors, {
    delegator: (req, cb) => {
      const origin = req.headers.origin;
      if (!origin || !allowed.has(origin) || !req.url.startsWith(API_PREFIX)) {
        cb(null, { origin: false });
        return;
      }
      cb(null, {
        origin,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type'],
        exposedHeaders: ['Retry-After', 'ETag', 'Content-Range', 'Content-Disposition'],
        credentials: false,
        maxAge: 600,
      });
    },
  });
}

/**
 * The base URL clients reach this node at: PUBLIC_URL when set; otherwise the
 * request's scheme and host (`X-Forwarded-Proto`/`-Host` only when
 * TRUST_PROXY trusts the proxy that sent them).
 */
export function publicBase(req: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.host}`;
}

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { LoginCodes, TokenService } from '../auth/index.js';
import { ErrorTable, type EventBus, type Logger } from '../core/index.js';
import type { NodeDiagnostics } from '../diagnostics/index.js';
import type { MediaKeeper } from '../media/index.js';
import type {
  AutoAssigner,
  OutboundService,
  TemplateCatalog,
  TriageService,
  UserDirectory,
} from '../pipeline/index.js';
import type { CloudWebhook, EvolutionWebhook, MediaFetchers, ReceiptRecorder } from '../providers/index.js';
import type { Store } from '../store/index.js';
import type { Backfiller } from '../upstream/backfill.js';
import type { UpstreamChecks } from '../upstream/index.js';
import { adminBackfillRoutes } from './admin-backfill-routes.js';
import { adminConfigRoutes } from './admin-config-routes.js';
import { adminInstanceRoutes } from './admin-instance-routes.js';
import { adminRoutes } from './admin-routes.js';
import { adminUserRoutes } from './admin-user-routes.js';
import { apiRoutes } from './api-routes.js';
import { type Drain, installDrain } from './drain.js';
import { installCors, publicBase } from './edge.js';
import { healthRoutes } from './health-routes.js';
import { leadRoutes } from './lead-routes.js';
import { loginRoutes } from './login-routes.js';
import { mediaRoutes } from './media-routes.js';
import { countWebhooks, metricsRoutes } from './metrics-routes.js';
import { installResponseSchemas } from './openapi/responses.js';
import { outboundRoutes } from './outbound-routes.js';
import { replyRoutes } from './reply-routes.js';
import { requestLoggerFactory } from './request-logger.js';
import { searchRoutes } from './search-routes.js';
import { sendError } from './send-error.js';
import { triageRoutes } from './triage-routes.js';
import { userRoutes } from './user-routes.js';
import { webRoutes } from './web-routes.js';
import { BodyPool } from './webhooks/body-pool.js';
import { cloudRoutes } from './webhooks/cloud.js';
import { evolutionRoutes } from './webhooks/evolution.js';

export interface HttpOptions {
  logger: Logger;
  store: Store;
  bus: EventBus;
  tokens: TokenService;
  nodeId: string;
  /** WEBHOOK_BODY_LIMIT: the webhook routes' largest body (every other route keeps 64 KiB). */
  webhookBodyLimit: number;
  evolution: { webhook: EvolutionWebhook; receipts: ReceiptRecorder };
  /** Replies, retries and marking read (`POST /api/conversations/{id}/messages`, …). */
  outbound?: OutboundService;
  /** Status, notes and labels of conversations (#15). */
  triage?: TriageService;
  /** Uploads, templates and new conversations (issue #15 §7-8); needs `outbound`. */
  outboundMedia?: { maxBytes: number; templates: TemplateCatalog };
  /** `/metrics`, `/api/admin/diagnostics` and webhook counts. */
  diagnostics?: NodeDiagnostics;
  /** WhatsApp Cloud API webhooks (`/webhooks/whatsapp`). */
  cloud?: { webhook: CloudWebhook; receipts: ReceiptRecorder };
  /** `GET /api/messages/{id}/media`. */
  media?: { fetchers: MediaFetchers; maxBytes: number; timeoutMs: number; keeper?: MediaKeeper };
  /** One-time sign-in links for the inbox (`POST /api/login/exchange`). */
  loginCodes?: LoginCodes;
  /** Provider checks: `PATCH|DELETE /api/admin/instances/{id}` and its `/webhook` routes. */
  upstream?: UpstreamChecks;
  /** `POST /api/admin/backfill`; `lookbackMs` is its window without `since`. */
  backfill?: { backfiller: Backfiller; lookbackMs: number };
  /** Directory of the inbox build served at `/`. @default packages/web/build */
  webDir?: string;
  /** TRUST_PROXY: which `X-Forwarded-*` headers are believed (client IP, scheme, host). @default false */
  trustProxy?: boolean | string[];
  /** CORS_ORIGINS: origins whose pages may call `/api`. @default none */
  corsOrigins?: readonly string[];
  /** PUBLIC_URL: the base of the URLs built for clients (OpenAPI `servers`). */
  publicUrl?: string;
  /** Users and assignment (#15): `/api/users`, `/api/admin/users`, `PUT /api/conversations/{id}/assignee`. */
  users?: { directory: UserDirectory; autoAssigner?: AutoAssigner };
}

/** Builds the HTTP side: webhooks, REST, health and the OpenAPI document at `/docs`. */
export async function buildHttp(opts: HttpOptions): Promise<{ app: FastifyInstance; drain: Drain }> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    childLoggerFactory: requestLoggerFactory,
    // Small default for everything; the webhook routes set their own limit.
    bodyLimit: 64 * 1024,
    trustProxy: opts.trustProxy ?? false,
    return503OnClosing: true,
  });

  app.setErrorHandler((err, _req, reply) => sendError(reply, err));
  // CORS first: a page of a listed origin can read even a draining node's 503.
  await installCors(app, opts.corsOrigins ?? []);
  const drain = installDrain(app);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: ErrorTable.NEWTON_ERR_NOT_FOUND.code,
      message: `no route for ${req.method} ${req.url.split('?')[0]}`,
    }),
  );

  installResponseSchemas(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Newton',
        version: '0.1.0',
        description:
          'Realtime conversation backbone for WhatsApp CRMs. REST reference: docs/api.md; WebSocket ' +
          'protocol: docs/protocol.md; tokens: docs/auth.md. Errors are `{"error": code, "message": text}`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // "Try it out" calls the address the reader reached: PUBLIC_URL, or this request's scheme and host.
    transformSpecificationClone: false,
    transformSpecification: (spec, req) => ({ ...spec, servers: [{ url: publicBase(req, opts.publicUrl) }] }),
  });

  await app.register(healthRoutes, {
    store: opts.store,
    bus: opts.bus,
    nodeId: opts.nodeId,
    isDraining: () => drain.draining,
  });
  await app.register(apiRoutes, { prefix: '/api', store: opts.store, tokens: opts.tokens });
  await app.register(leadRoutes, {
    prefix: '/api',
    store: opts.store,
    tokens: opts.tokens,
    bus: opts.bus,
    logger: opts.logger,
  });
  await app.register(searchRoutes, { prefix: '/api', store: opts.store, tokens: opts.tokens });
  await app.register(adminConfigRoutes, { prefix: '/api/admin', store: opts.store, tokens: opts.tokens });
  if (opts.users) {
    await app.register(userRoutes, {
      prefix: '/api',
      store: opts.store,
      tokens: opts.tokens,
      bus: opts.bus,
      logger: opts.logger,
    });
    await app.register(adminUserRoutes, {
      prefix: '/api/admin',
      store: opts.store,
      tokens: opts.tokens,
      ...opts.users,
    });
  }
  if (opts.upstream) {
    await app.register(adminInstanceRoutes, {
      prefix: '/api/admin',
      store: opts.store,
      tokens: opts.tokens,
      upstream: opts.upstream,
    });
  }
  if (opts.outbound) {
    await app.register(replyRoutes, {
      prefix: '/api',
      store: opts.store,
      tokens: opts.tokens,
      outbound: opts.outbound,
    });
    if (opts.outboundMedia) {
      await app.register(outboundRoutes, {
        prefix: '/api',
        store: opts.store,
        tokens: opts.tokens,
        outbound: opts.outbound,
        ...opts.outboundMedia,
      });
    }
  }
  if (opts.triage) {
    await app.register(triageRoutes, {
      prefix: '/api',
      store: opts.store,
      tokens: opts.tokens,
      triage: opts.triage,
    });
  }
  if (opts.diagnostics) {
    countWebhooks(app, opts.diagnostics.metrics);
    await app.register(metricsRoutes, { metrics: opts.diagnostics.metrics });
    await app.register(adminRoutes, {
      prefix: '/api/admin',
      tokens: opts.tokens,
      diagnostics: opts.diagnostics,
    });
  }
  if (opts.backfill) {
    await app.register(adminBackfillRoutes, { prefix: '/api/admin', tokens: opts.tokens, ...opts.backfill });
  }
  // Big webhook bodies are parsed on these threads; they stop with the server.
  const pool = new BodyPool(opts.logger);
  app.addHook('onReady', async () => pool.warm());
  app.addHook('onClose', () => pool.close());
  await app.register(evolutionRoutes, {
    webhook: opts.evolution.webhook,
    admin: opts.store.admin,
    pool,
    receipts: opts.evolution.receipts,
    bodyLimit: opts.webhookBodyLimit,
    logger: opts.logger,
    sendError,
  });
  if (opts.cloud) {
    await app.register(cloudRoutes, {
      webhook: opts.cloud.webhook,
      admin: opts.store.admin,
      receipts: opts.cloud.receipts,
      bodyLimit: opts.webhookBodyLimit,
      logger: opts.logger,
      sendError,
    });
  }
  if (opts.media) {
    await app.register(mediaRoutes, {
      prefix: '/api',
      store: opts.store,
      tokens: opts.tokens,
      logger: opts.logger,
      ...opts.media,
    });
  }
  if (opts.loginCodes) {
    await app.register(loginRoutes, { codes: opts.loginCodes, tokens: opts.tokens, store: opts.store });
  }
  await app.register(webRoutes, opts.webDir ? { webDir: opts.webDir } : {});
  return { app, drain };
}

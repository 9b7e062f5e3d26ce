/**
 * `POST /api/admin/backfill` (#12): reads the messages Evolution holds for a
 * tenant's instances over a window and ingests those Newton never got, on
 * this node (its sockets get them like any webhook's). Answers the run's
 * summary; with `Accept: application/x-ndjson` it streams one progress line
 * per page and then the summary (what `newton backfill` prints).
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TokenService } from '../auth/index.js';
import { backfillSince, type ErrorName, InvalidValue, newtonError } from '../core/index.js';
import type { Backfiller } from '../upstream/backfill.js';
import { BackfillError, type BackfillSummary } from '../upstream/backfill-types.js';
import { bearerPrincipal } from './api-auth.js';

export interface AdminBackfillRouteOptions {
  tokens: TokenService;
  backfiller: Backfiller;
  /** Window when the body gives no `since` (BACKFILL_LOOKBACK_MS). */
  lookbackMs: number;
}

const body = z
  .object({
    tenant: z.string().min(1).max(64),
    instance: z.string().min(1).max(200).optional(),
    since: z.string().min(1).max(64).optional(),
  })
  .strict();

/** A run that could not start or read the provider, as an HTTP error. */
const REFUSALS: Record<string, ErrorName> = {
  unknown_tenant: 'NEWTON_ERR_NOT_FOUND',
  unknown_instance: 'NEWTON_ERR_NOT_FOUND',
  not_configured: 'NEWTON_ERR_BACKFILL_NOT_CONFIGURED',
  busy: 'NEWTON_ERR_BACKFILL_BUSY',
  stopped: 'NEWTON_ERR_NOT_READY',
};

function refusal(summary: BackfillSummary) {
  const code = summary.error?.code ?? 'internal';
  const name = REFUSALS[code] ?? 'NEWTON_ERR_BACKFILL_FAILED';
  const holder = summary.holder ? { holder: summary.holder } : {};
  return newtonError(name, summary.error?.message, { ...holder, summary });
}

export async function adminBackfillRoutes(
  app: FastifyInstance,
  opts: AdminBackfillRouteOptions,
): Promise<void> {
  app.post(
    '/backfill',
    {
      bodyLimit: 4 * 1024,
      schema: {
        tags: ['operations'],
        summary: 'Recover messages the provider holds but never posted (admin role)',
        description:
          '`{tenant, instance?, since?}`: `instance` is an Evolution instance name (default: every Evolution ' +
          'instance of the tenant with a URL and an API key); `since` a duration back from now (`90s`, `30m`, `2h`, ' +
          '`1d`) or an ISO-8601 time (default BACKFILL_LOOKBACK_MS), clipped to BACKFILL_MAX_WINDOW_MS. Answers the ' +
          'summary; 409 `backfill_busy` when another node is backfilling the tenant, 502 `backfill_failed` when the ' +
          'provider could not be read (the summary is in the body). `Accept: application/x-ndjson` streams ' +
          '`{"type":"progress",…}` lines, then `{"type":"summary",…}` (always 200).',
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: {
            tenant: { type: 'string', minLength: 1, maxLength: 64 },
            instance: { type: 'string', minLength: 1, maxLength: 200 },
            since: { type: 'string', minLength: 1, maxLength: 64 },
          },
          required: ['tenant'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const parsed = body.safeParse(req.body);
      if (!parsed.success) throw newtonError('NEWTON_ERR_INVALID_REQUEST', parsed.error.issues[0]?.message);
      const b = parsed.data;
      const principal = await bearerPrincipal(req, opts.tokens);
      if (principal.role !== 'admin') throw newtonError('NEWTON_ERR_FORBIDDEN', 'admin role required');
      // A tenant the token does not name answers like one that does not exist (no probing).
      if (!principal.tenants.includes(b.tenant)) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such tenant');
      const now = Date.now();
      let since = now - opts.lookbackMs;
      try {
        if (b.since !== undefined) since = backfillSince(b.since, now);
      } catch (err) {
        if (err instanceof InvalidValue)
          throw newtonError('NEWTON_ERR_INVALID_REQUEST', `since ${err.message}`);
        throw err;
      }
      try {
        await opts.backfiller.instancesOf(b.tenant, b.instance);
      } catch (err) {
        if (err instanceof BackfillError)
          throw newtonError(REFUSALS[err.code] ?? 'NEWTON_ERR_INVALID_REQUEST', err.message);
        throw err;
      }
      const run = { tenantId: b.tenant, instance: b.instance, since, until: now, trigger: 'demand' as const };
      req.log.info(
        { tenant: b.tenant, instance: b.instance, user: principal.userId, since },
        'backfill requested',
      );
      if (!String(req.headers.accept ?? '').includes('application/x-ndjson')) {
        const summary = await opts.backfiller.run(run);
        if (!summary.ok) throw refusal(summary);
        return summary;
      }
      const stream = new PassThrough();
      const line = (v: object) => stream.write(`${JSON.stringify(v)}\n`);
      line({
        type: 'started',
        tenant_id: b.tenant,
        instance: b.instance ?? null,
        since: new Date(since).toISOString(),
      });
      void opts.backfiller
        .run(run, (p) => line({ type: 'progress', ...p }))
        .then(
          (summary) => stream.end(`${JSON.stringify({ type: 'summary', ...summary })}\n`),
          (err) => {
            req.log.error({ err }, 'backfill failed');
            stream.end(`${JSON.stringify({ type: 'error', message: 'internal error' })}\n`);
          },
        );
      return reply.type('application/x-ndjson').send(stream);
    },
  );
}

import { hostname } from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { edge } from './config-edge.js';
import { media } from './config-media.js';
import { int, type OptionDoc, option, optionDocs, unset } from './config-option.js';

/**
 * Newton's options, each declared once: its environment variable, its zod
 * schema (type, validation, default) and its documentation. `Config` is
 * inferred from {@link ConfigSchema}, `loadConfig` reads the environment
 * through it and `npm run docs:config` writes docs/configuration.md from it.
 */

export { type OptionDoc, optionDocs } from './config-option.js';

/** An absolute http(s) URL with a host and no query or fragment (`PUBLIC_URL`). */
function isPublicUrl(value: string): boolean {
  if (!/^https?:\/\/[^\s?#]+$/i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

/** `redis://` or `rediss://` with a host and, if any, a numeric port (`REDIS_URL`). */
function isRedisUrl(value: string): boolean {
  if (!/^rediss?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

/** Listening, identity and logs. */
const server = {
  port: option(z.prefault(int(), 8080), {
    env: 'PORT',
    description: 'HTTP and WebSocket port (`0` picks a free one).',
    example: '3000',
  }),
  host: option(z.prefault(z.string().check(z.minLength(1)), '0.0.0.0'), {
    env: 'HOST',
    description: 'Address to listen on.',
    example: '127.0.0.1',
  }),
  publicUrl: option(
    // `unset()` with the rule's own words (a union failing reports only "Invalid input").
    z.union(
      [
        z.pipe(
          z.string().check(z.refine(isPublicUrl)),
          z.transform((u: string) => u.replace(/\/+$/, '')),
        ),
        z.undefined(),
      ],
      { error: 'must be an absolute http(s) URL without a query or fragment' },
    ),
    {
      env: 'PUBLIC_URL',
      description:
        'The address providers, agents and CRMs reach this Newton at (behind the proxy): Evolution should post to `<PUBLIC_URL>/webhooks/evolution`. The provider checks compare against it and `newton instance webhook --apply` sets it; every URL Newton prints (`newton start`, sign-in links, `newton instance add`) or builds (the OpenAPI `servers`) uses it. Unset, the webhook URL is not checked and printed URLs are the listening address.',
      example: 'https://newton.example.com',
    },
  ),
  nodeId: option(
    z.prefault(z.string().check(z.minLength(1)), () => `${hostname()}:${process.pid}`),
    {
      env: 'NODE_ID',
      description: "This node's name in frames, logs and metrics.",
      example: 'node-1',
      defaultText: '`hostname:pid`',
    },
  ),
  logLevel: option(
    z.prefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
    {
      env: 'LOG_LEVEL',
      description: 'Least severe pino level logged; `silent` logs nothing.',
      example: 'debug',
    },
  ),
  logFile: option(unset(z.string().check(z.minLength(1))), {
    env: 'LOG_FILE',
    description:
      '`newton start` also appends its JSON logs to this file, where `newton trace` finds them; kept under 64 MiB (older lines move to the same name plus `.1`). `off` logs to stdout only.',
    example: '/var/log/newton/node-1.log',
    defaultText: '`DATA_DIR/logs/newton.log`',
  }),
  shutdownTimeoutMs: option(z.prefault(int(), 10_000), {
    env: 'SHUTDOWN_TIMEOUT_MS',
    description:
      'On SIGTERM, how long in-flight requests may take before sockets close with 1012 (clients resume on another node).',
    example: '30000',
  }),
};

/** Where data lives. */
const storage = {
  dataDir: option(
    z.prefault(
      z.pipe(
        z.string().check(z.minLength(1)),
        z.transform((dir: string) => path.resolve(dir)),
      ),
      './data',
    ),
    {
      env: 'DATA_DIR',
      description:
        'Holds the SQLite database (`newton.sqlite`) and the generated JWT secret (`jwt-secret`); `newton trace` reads node logs from its `logs/`. Relative to the working directory.',
      example: '/var/lib/newton',
    },
  ),
  databaseUrl: option(unset(z.string().check(z.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'))), {
    env: 'DATABASE_URL',
    description:
      '`postgres://…` selects PostgreSQL (same schema and queries as SQLite); unset, SQLite in `DATA_DIR`.',
    example: 'postgres://newton:secret@db:5432/newton',
  }),
  poolSize: option(z.prefault(int(1), 10), {
    env: 'DATABASE_POOL_SIZE',
    description:
      "PostgreSQL only: connections each node (and each `newton` command) opens at most; from 4 up, two of them are the webhook write path's own, where its statements keep one plan per connection. Each node opens one more, outside the pool, to `LISTEN` for instance changes.",
    example: '20',
  }),
  checkpointIntervalMs: option(z.prefault(int(), 250), {
    env: 'SQLITE_CHECKPOINT_INTERVAL_MS',
    description:
      'SQLite only: how often a worker thread checkpoints the write-ahead log off the event loop; `0` leaves checkpoints to SQLite.',
    example: '1000',
  }),
};

/** Several nodes and who may connect. */
const cluster = {
  redisUrl: option(
    unset(
      z
        .string()
        .check(
          z.regex(/^rediss?:\/\//, 'must be a redis:// URL with a host'),
          z.refine(isRedisUrl, 'must be a redis:// URL with a host'),
        ),
    ),
    {
      env: 'REDIS_URL',
      description:
        'Events fan out across nodes through Redis pub/sub; unset, in-process (one node). Needs `JWT_SECRET` or `JWKS_URL`, shared by all nodes.',
      example: 'redis://cache:6379',
    },
  ),
  headPollMs: option(z.prefault(int(), 2000), {
    env: 'HEAD_POLL_MS',
    description:
      "With Redis: how often a node compares its tenants' cursors with the event log (catches a lost last event).",
    example: '5000',
  }),
  jwtSecret: option(unset(z.string().check(z.minLength(16, 'must be at least 16 characters'))), {
    env: 'JWT_SECRET',
    description: 'HS256 secret for tokens; unset, one is generated once and kept in `DATA_DIR`.',
    example: 'change-me-to-32-random-characters',
    defaultText: 'generated',
  }),
  jwksUrl: option(unset(z.url()), {
    env: 'JWKS_URL',
    description:
      'Verify RS256/ES256 tokens issued elsewhere against this key set (HS256 then only with `JWT_SECRET`).',
    example: 'https://auth.example.com/.well-known/jwks.json',
  }),
};

/** The WebSocket gateway and the HTTP limits. */
const gateway = {
  heartbeatIntervalMs: option(z.prefault(int(), 30_000), {
    env: 'HEARTBEAT_INTERVAL_MS',
    description:
      'Interval of protocol-level pings; a socket that has not answered the previous ping is dropped.',
    example: '15000',
  }),
  maxFrameBytes: option(z.prefault(int(), 64 * 1024), {
    env: 'MAX_FRAME_BYTES',
    description: 'Largest client frame; a bigger one closes the socket with 1009.',
    example: '131072',
  }),
  maxSocketBufferBytes: option(z.prefault(int(), 1024 * 1024), {
    env: 'MAX_SOCKET_BUFFER_BYTES',
    description: 'Unsent bytes a socket may queue before it is closed as a slow consumer (4008).',
    example: '4194304',
  }),
  gapGraceMs: option(z.prefault(int(), 10), {
    env: 'GAP_GRACE_MS',
    description:
      'Wait for an out-of-order event before reading the seq gap from the event log (events of one tenant may arrive out of order).',
    example: '50',
  }),
  replayCacheEvents: option(z.prefault(int(), 256), {
    env: 'REPLAY_CACHE_EVENTS',
    description:
      'Newest events per tenant kept in memory (frames built), so reconnect storms replay without reading the log per socket.',
    example: '1024',
  }),
  streamLingerMs: option(z.prefault(int(), 30_000), {
    env: 'STREAM_LINGER_MS',
    description: "How long a node keeps a tenant's stream and replay cache after its last socket left.",
    example: '60000',
  }),
  presenceTtlMs: option(z.prefault(int(300), 30_000), {
    env: 'PRESENCE_TTL_MS',
    description:
      "How long a node's word on agent presence counts without a refresh (nodes refresh every third of it): an agent whose node dies shows offline after at most this long.",
    example: '15000',
  }),
  webhookBodyLimit: option(z.prefault(int(), 64 * 1024 * 1024), {
    env: 'WEBHOOK_BODY_LIMIT',
    description:
      'Largest webhook body in bytes (Evolution\'s "webhook base64" embeds whole media files). Bodies over 256 KiB are parsed on worker threads, so they never hold other webhooks up; media embedded as base64 is decoded there and never stored in messages. A bigger body gets 413, and its receipt names the provider, instance and event read from its first bytes. Other routes keep a 64 KiB limit.',
    example: '134217728',
    defaultText: '`67108864` (64 MiB)',
  }),
};

/** How long history and receipts are kept. */
const retention = {
  eventRetentionMs: option(z.prefault(int(), 7 * 24 * 3600 * 1000), {
    env: 'EVENT_RETENTION_MS',
    description: 'Event history kept per tenant for `since` replays, by age.',
    example: '86400000',
    defaultText: '`604800000` (7 days)',
  }),
  eventRetentionMax: option(z.prefault(int(), 100_000), {
    env: 'EVENT_RETENTION_MAX',
    description: 'Event history kept per tenant, by count; an older `since` gets `resync_required`.',
    example: '500000',
  }),
  pruneIntervalMs: option(z.prefault(int(), 60_000), {
    env: 'PRUNE_INTERVAL_MS',
    description: 'How often old events are pruned (in batches, without blocking webhooks); `0` never prunes.',
    example: '300000',
  }),
  receiptsKept: option(z.prefault(int(), 50_000), {
    env: 'RECEIPTS_KEPT',
    description: 'Webhook receipts kept for operators (`newton receipts`).',
    example: '200000',
  }),
};

/** Replies sent through a provider, and media fetched from it. */
const provider = {
  providerTimeoutMs: option(z.prefault(int(), 10_000), {
    env: 'PROVIDER_TIMEOUT_MS',
    description:
      'Time limit of one attempt to send a reply through the provider, and of one backfill page (`findMessages`).',
    example: '5000',
  }),
  sendMaxAttempts: option(z.prefault(int(1, 20), 5), {
    env: 'SEND_MAX_ATTEMPTS',
    description:
      'Attempts per reply (the first one included) on network errors, timeouts, 5xx and 429; a 4xx is never retried.',
    example: '3',
  }),
  sendRetryBaseMs: option(z.prefault(int(), 1000), {
    env: 'SEND_RETRY_BASE_MS',
    description: 'Backoff before the second attempt; it doubles per attempt, with ±20 % jitter.',
    example: '500',
  }),
  sendRetryMaxMs: option(z.prefault(int(), 30_000), {
    env: 'SEND_RETRY_MAX_MS',
    description: 'Longest backoff between two attempts.',
    example: '60000',
  }),
  sendResumeAfterMs: option(z.prefault(int(), 30_000), {
    env: 'SEND_RESUME_AFTER_MS',
    description:
      'A reply left `pending` by a node that stopped is resumed by any node after this (after a crash); `0` disables.',
    example: '60000',
  }),
  mediaMaxBytes: option(z.prefault(int(), 16 * 1024 * 1024), {
    env: 'MEDIA_MAX_BYTES',
    description:
      'Largest media file Newton fetches, keeps in the media store or streams from the provider; a bigger one is `media_failed` (`too_large`) and its `GET /api/messages/{id}/media` gets 413.',
    example: '33554432',
    defaultText: '`16777216` (16 MiB)',
  }),
  outboundMediaMaxBytes: option(z.prefault(int(1, 100 * 1024 * 1024), 16 * 1024 * 1024), {
    env: 'OUTBOUND_MEDIA_MAX_BYTES',
    description:
      'Largest file an agent may upload to send (image, document, audio, `POST /api/conversations/{id}/media`); a bigger upload gets 413 `media_too_large` and nothing is stored. WhatsApp itself takes images up to 5 MB, audio up to 16 MB, documents up to 100 MB.',
    example: '5242880',
    defaultText: '`16777216` (16 MiB)',
  }),
  templatesCacheTtlMs: option(z.prefault(int(0), 300_000), {
    env: 'TEMPLATES_CACHE_TTL_MS',
    description:
      "How long a node keeps a Cloud API number's approved message templates (`GET /{waba_id}/message_templates`) before asking Meta again; `0` asks every time.",
    example: '60000',
    defaultText: '`300000` (5 min)',
  }),
  mediaFetchTimeoutMs: option(z.prefault(int(), 60_000), {
    env: 'MEDIA_FETCH_TIMEOUT_MS',
    description:
      'Time limit for fetching one media file from the provider, in all (the media keeper and `GET /api/messages/{id}/media`); a slower fetch is `media_failed` (`timeout`) and retried.',
    example: '120000',
  }),
};

/** Newton asking providers about each number (#12). */
const upstream = {
  upstreamCheckIntervalMs: option(z.prefault(int(), 60_000), {
    env: 'UPSTREAM_CHECK_INTERVAL_MS',
    description:
      'How often one node of the cluster asks each provider about its numbers (session state, webhook settings), ±20 % jitter; also once at start. `0` never checks.',
    example: '300000',
  }),
  upstreamCheckTimeoutMs: option(z.prefault(int(1), 5_000), {
    env: 'UPSTREAM_CHECK_TIMEOUT_MS',
    description:
      'Time limit of one call to a provider by the checks and `newton instance webhook`; a slower provider counts as `unknown` (`provider_timeout`).',
    example: '10000',
  }),
};

/** Backfill: messages the provider holds but never posted (Evolution `findMessages`). */
const backfill = {
  backfillPageSize: option(z.prefault(int(1, 1000), 100), {
    env: 'BACKFILL_PAGE_SIZE',
    description: 'Messages per `findMessages` page a backfill asks Evolution for.',
    example: '50',
  }),
  backfillRate: option(z.prefault(int(), 5000), {
    env: 'BACKFILL_RATE',
    description: 'Messages per second a backfill reads at most (paced per page, per run); `0` for no limit.',
    example: '500',
  }),
  backfillMaxWindowMs: option(z.prefault(int(60_000), 86_400_000), {
    env: 'BACKFILL_MAX_WINDOW_MS',
    description:
      'Longest window one backfill reads; a longer request is clipped, with a notice in its summary.',
    example: '172800000',
    defaultText: '`86400000` (24 h)',
  }),
  backfillIntervalMs: option(z.prefault(int(), 300_000), {
    env: 'BACKFILL_INTERVAL_MS',
    description:
      'How often a node (one per round in a cluster) backfills every Evolution instance over `BACKFILL_LOOKBACK_MS` and checks for silent ones; `0` turns both off.',
    example: '600000',
  }),
  backfillLookbackMs: option(z.prefault(int(1000), 900_000), {
    env: 'BACKFILL_LOOKBACK_MS',
    description:
      'Window of the periodic backfill, of the start one for an instance never heard from, and of `newton backfill` without `--since`.',
    example: '1800000',
  }),
  backfillSilentMinMs: option(z.prefault(int(1000), 600_000), {
    env: 'BACKFILL_SILENT_MIN_MS',
    description:
      'An `open` instance is silent, and backfilled from its last webhook, when that webhook is older than this and than 10× its mean gap between webhooks over the last day.',
    example: '1800000',
  }),
};

/** The options by section, in the order docs/configuration.md lists them. */
export const ConfigSections = [
  { title: 'Server', options: server },
  { title: 'Proxies and browsers', options: edge },
  { title: 'Storage', options: storage },
  { title: 'Scale-out and tokens', options: cluster },
  { title: 'WebSocket gateway and HTTP limits', options: gateway },
  { title: 'Retention', options: retention },
  { title: 'Replies and media', options: provider },
  { title: 'Media store', options: media },
  { title: 'Provider checks', options: upstream },
  { title: 'Backfill', options: backfill },
] as const;

/** Every option of Newton's configuration; `Config` is its output. */
export const ConfigSchema = z.object({
  ...server,
  ...edge,
  ...storage,
  ...cluster,
  ...gateway,
  ...retention,
  ...provider,
  ...media,
  ...upstream,
  ...backfill,
});

/** One option as `loadConfig` and the docs see it. */
export interface ConfigOption extends OptionDoc {
  /** The field of `Config` it fills. */
  field: keyof z.output<typeof ConfigSchema>;
  schema: z.ZodMiniType;
}

/** The {@link ConfigOption}s of one section's options. */
export function describeOptions(options: Record<string, z.ZodMiniType>): ConfigOption[] {
  return Object.entries(options).map(([field, schema]) => {
    const doc = optionDocs.get(schema);
    if (!doc) throw new Error(`config option ${field} is declared without option()`);
    return { ...doc, field: field as ConfigOption['field'], schema };
  });
}

/** Every option, in declaration order. */
export const ConfigOptions: readonly ConfigOption[] = describeOptions(ConfigSchema.shape);

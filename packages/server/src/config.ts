import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Newton's configuration, read from the environment (CONTRACT.md §3). */
export interface Config {
  /** @default 8080 */
  port: number;
  /** @default '0.0.0.0' */
  host: string;
  /** @default './data' */
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; unset, SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  /** Set: events fan out across nodes through Redis; unset: in-process. */
  redisUrl: string | undefined;
  /** HS256 secret; unset, one is generated once and kept in `dataDir`. */
  jwtSecret: string | undefined;
  /** RS256/ES256 keys for tokens issued elsewhere. */
  jwksUrl: string | undefined;
  /** @default 'info' */
  logLevel: string;
  /** Interval of protocol-level pings; a peer that has not answered the previous ping is dropped. @default 30000 */
  heartbeatIntervalMs: number;
  /** Largest client frame; bigger closes the socket with 1009. @default 65536 */
  maxFrameBytes: number;
  /** Largest webhook body. @default 1048576 */
  webhookBodyLimit: number;
  /** Unsent bytes a socket may queue before it is closed as a slow consumer. @default 1048576 */
  maxSocketBufferBytes: number;
  /** Wait before reading a seq gap from the log (events of one tenant may arrive out of order). @default 10 */
  gapGraceMs: number;
  /** Webhook receipts kept. @default 50000 */
  receiptsKept: number;
  /** How often a node compares its tenants' cursors with the log (catches a lost last event). @default 2000 */
  headPollMs: number;
  /** Event history kept per tenant, by age. @default 604800000 (7 days) */
  eventRetentionMs: number;
  /** Event history kept per tenant, by count. @default 100000 */
  eventRetentionMax: number;
  /** How often old events are pruned. @default 60000 */
  pruneIntervalMs: number;
  /** Recent events per tenant kept in memory for replays. @default 256 */
  replayCacheEvents: number;
  /** How long a tenant's stream outlives its last socket on a node. @default 30000 */
  streamLingerMs: number;
  /** How long a graceful stop waits for in-flight requests. @default 10000 */
  shutdownTimeoutMs: number;
  /** Largest media file `GET /api/messages/{id}/media` streams; larger answers 413. @default 16777216 (16 MiB) */
  mediaMaxBytes: number;
  /** How long fetching one media file from the provider may take in all. @default 60000 */
  mediaFetchTimeoutMs: number;
  /** How long one attempt to send a reply through a provider may take. @default 10000 */
  providerTimeoutMs: number;
  /** Attempts per reply (the first one included) on network errors, timeouts, 5xx and 429. @default 5 */
  sendMaxAttempts: number;
  /** Backoff before the second attempt; doubles each time, with ±20 % jitter. @default 1000 */
  sendRetryBaseMs: number;
  /** Longest backoff between two attempts. @default 30000 */
  sendRetryMaxMs: number;
  /** A pending reply that no node is sending and older than this is resumed (after a crash); 0 disables. @default 30000 */
  sendResumeAfterMs: number;
  /** Identifies this node in frames, logs and metrics. @default hostname:pid */
  nodeId: string;
}

const intFrom = (def: number) => z.coerce.number().int().nonnegative().default(def);

const EnvSchema = z.object({
  PORT: intFrom(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL')
    .optional(),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters').optional(),
  JWKS_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HEARTBEAT_INTERVAL_MS: intFrom(30_000),
  MAX_FRAME_BYTES: intFrom(64 * 1024),
  WEBHOOK_BODY_LIMIT: intFrom(1024 * 1024),
  MAX_SOCKET_BUFFER_BYTES: intFrom(1024 * 1024),
  GAP_GRACE_MS: intFrom(10),
  RECEIPTS_KEPT: intFrom(50_000),
  HEAD_POLL_MS: intFrom(2000),
  EVENT_RETENTION_MS: intFrom(7 * 24 * 3600 * 1000),
  EVENT_RETENTION_MAX: intFrom(100_000),
  PRUNE_INTERVAL_MS: intFrom(60_000),
  SHUTDOWN_TIMEOUT_MS: intFrom(10_000),
  REPLAY_CACHE_EVENTS: intFrom(256),
  STREAM_LINGER_MS: intFrom(30_000),
  MEDIA_MAX_BYTES: intFrom(16 * 1024 * 1024),
  MEDIA_FETCH_TIMEOUT_MS: intFrom(60_000),
  PROVIDER_TIMEOUT_MS: intFrom(10_000),
  SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SEND_RETRY_BASE_MS: intFrom(1000),
  SEND_RETRY_MAX_MS: intFrom(30_000),
  SEND_RESUME_AFTER_MS: intFrom(30_000),
  NODE_ID: z.string().min(1).optional(),
});

export class ConfigError extends Error {
  readonly code = 'NEWTON_ERR_CONFIG';
}

/** Reads and checks the configuration; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.REDIS_URL && !e.JWT_SECRET && !e.JWKS_URL) {
    throw new ConfigError(
      'invalid configuration:\n  REDIS_URL is set (several nodes) but neither JWT_SECRET nor JWKS_URL: ' +
        'every node must verify the same tokens, so give them one JWT_SECRET',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    jwtSecret: e.JWT_SECRET,
    jwksUrl: e.JWKS_URL,
    logLevel: e.LOG_LEVEL,
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    maxFrameBytes: e.MAX_FRAME_BYTES,
    webhookBodyLimit: e.WEBHOOK_BODY_LIMIT,
    maxSocketBufferBytes: e.MAX_SOCKET_BUFFER_BYTES,
    gapGraceMs: e.GAP_GRACE_MS,
    receiptsKept: e.RECEIPTS_KEPT,
    headPollMs: e.HEAD_POLL_MS,
    eventRetentionMs: e.EVENT_RETENTION_MS,
    eventRetentionMax: e.EVENT_RETENTION_MAX,
    pruneIntervalMs: e.PRUNE_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    replayCacheEvents: e.REPLAY_CACHE_EVENTS,
    streamLingerMs: e.STREAM_LINGER_MS,
    mediaMaxBytes: e.MEDIA_MAX_BYTES,
    mediaFetchTimeoutMs: e.MEDIA_FETCH_TIMEOUT_MS,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    sendMaxAttempts: e.SEND_MAX_ATTEMPTS,
    sendRetryBaseMs: e.SEND_RETRY_BASE_MS,
    sendRetryMaxMs: e.SEND_RETRY_MAX_MS,
    sendResumeAfterMs: e.SEND_RESUME_AFTER_MS,
    nodeId: e.NODE_ID ?? `${hostname()}:${process.pid}`,
  };
}

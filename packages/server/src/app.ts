import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { TokenService } from './auth/index.js';
import { type EventBus, MemoryBus, RedisBus } from './bus/index.js';
import type { Config } from './config.js';
import { buildHttp } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { Ingestor } from './pipeline/index.js';
import { EvolutionWebhook } from './providers/evolution/webhook.js';
import { ReceiptRecorder } from './providers/receipts.js';
import { Store } from './store/index.js';
import { Gateway } from './ws/index.js';

const RECEIPT_PRUNE_INTERVAL_MS = 10 * 60_000;

/** A running Newton node. */
export interface NewtonNode {
  /** `http://host:port` the node listens on. */
  url: string;
  port: number;
  config: Config;
  store: Store;
  bus: EventBus;
  gateway: Gateway;
  tokens: TokenService;
  http: FastifyInstance;
  logger: Logger;
  /**
   * Graceful stop (SIGTERM): new sockets and webhooks are refused, in-flight
   * requests finish, then sockets close with 1012 so clients resume elsewhere.
   */
  close(): Promise<void>;
}

async function openBus(config: Config, log: Logger): Promise<EventBus> {
  if (!config.redisUrl) return new MemoryBus();
  const bus = new RedisBus(config.redisUrl, config.nodeId, log);
  await bus.connect();
  return bus;
}

/** Runs `task` every `ms`, logging failures; the timer never keeps the process alive. */
function every(
  ms: number,
  log: Logger,
  what: string,
  task: () => Promise<unknown>,
): NodeJS.Timeout | undefined {
  if (ms <= 0) return undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((err) => log.error({ err }, `${what} failed`))
      .finally(() => {
        running = false;
      });
  }, ms);
  timer.unref();
  return timer;
}

/** Starts one Newton node from a configuration (the composition root). */
export async function startNode(config: Config, logger?: Logger): Promise<NewtonNode> {
  const log = logger ?? createLogger(config.logLevel, config.nodeId);
  const store = await Store.open({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    onBackgroundError: (message) => log.warn({ message }, 'store background task failed'),
  });
  const bus = await openBus(config, log);
  const tokens = new TokenService({
    dataDir: config.dataDir,
    jwtSecret: config.jwtSecret,
    jwksUrl: config.jwksUrl,
  });
  const ingestor = new Ingestor(store, bus, log);
  const receipts = new ReceiptRecorder(store.receipts, 'evolution', log);
  const webhook = new EvolutionWebhook(store.admin, ingestor, receipts, log);
  const gateway = new Gateway({
    log: store,
    bus,
    tokens,
    logger: log,
    nodeId: config.nodeId,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxFrameBytes: config.maxFrameBytes,
    maxSocketBufferBytes: config.maxSocketBufferBytes,
    gapGraceMs: config.gapGraceMs,
    headPollMs: bus.kind === 'memory' ? 0 : config.headPollMs,
    replayCacheEvents: config.replayCacheEvents,
    streamLingerMs: config.streamLingerMs,
  });
  const { app: http, drain } = await buildHttp({
    logger: log,
    store,
    bus,
    tokens,
    nodeId: config.nodeId,
    webhookBodyLimit: config.webhookBodyLimit,
    evolution: { webhook, receipts },
  });
  gateway.attach(http.server);
  // A deep accept queue: thousands of sockets reconnect at once after a node restart.
  await http.listen({ port: config.port, host: config.host, backlog: 4096 });
  const port = (http.server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const timers = [
    every(RECEIPT_PRUNE_INTERVAL_MS, log, 'receipt pruning', () => store.receipts.prune(config.receiptsKept)),
    every(config.pruneIntervalMs, log, 'event pruning', async () => {
      const removed = await store.applyRetention({
        maxAgeMs: config.eventRetentionMs,
        maxEvents: config.eventRetentionMax,
      });
      if (removed > 0) log.info({ removed }, 'pruned old events');
    }),
  ];
  log.info({ url, store: store.dialect, location: store.location, bus: bus.kind }, 'newton node listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      gateway.stopAccepting();
      await drain.start(config.shutdownTimeoutMs);
      for (const t of timers) clearInterval(t);
      await gateway.close();
      await http.close();
      await bus.close();
      await store.close();
      log.info('newton node stopped');
    })();
    return closing;
  };
  return { url, port, config, store, bus, gateway, tokens, http, logger: log, close };
}

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { LoginCodes, TokenService } from './auth/index.js';
import { MemoryBus, RedisBus } from './bus/index.js';
import type { Config } from './config.js';
import type { EventBus, OnlineUsers } from './core/index.js';
import { createLogger, type Logger, ProviderRegistry } from './core/index.js';
import { NodeDiagnostics } from './diagnostics/index.js';
import { buildHttp } from './http/server.js';
import {
  type BlobStoreConfig,
  MediaKeeper,
  MediaKeepingIngestor,
  openBlobStore,
  openSpool,
} from './media/index.js';
import {
  AutoAssigner,
  EditApplier,
  Ingestor,
  InstanceStateApplier,
  LeadUpdater,
  MessageChangeApplier,
  OutboundService,
  ReplySender,
  SnoozeSweeper,
  StatusApplier,
  TemplateCatalog,
  TriageService,
  UserDirectory,
} from './pipeline/index.js';
import {
  CloudClient,
  CloudMediaFetcher,
  CloudWebhook,
  EvolutionClient,
  EvolutionMediaFetcher,
  EvolutionWebhook,
  MediaFetchers,
  ReceiptRecorder,
  warmUpstreamClient,
} from './providers/index.js';
import { Store } from './store/index.js';
import { Backfiller } from './upstream/backfill.js';
import { BackfillTriggers } from './upstream/backfill-triggers.js';
import { UpstreamChecker, UpstreamChecks } from './upstream/index.js';
import { Gateway } from './ws/index.js';

/** Receipts beyond RECEIPTS_KEPT live at most this long (a flood of junk webhooks grows the table only so far). */
const RECEIPT_PRUNE_INTERVAL_MS = 60_000;

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
  /** One-time sign-in links for the inbox (`newton start` prints them). */
  loginCodes: LoginCodes;
  /** Provider clients used to send replies, by provider. */
  providers: ProviderRegistry;
  /** The write path of inbound messages (the media keeper takes each stored message's media from it). */
  ingestor: MediaKeepingIngestor;
  /** Applies delivery statuses from any provider webhook. */
  statuses: StatusApplier;
  /** What providers say of each instance's WhatsApp session (`instance_status`). */
  instanceStates: InstanceStateApplier;
  /** Metrics, census, diagnostics report and probe of this node (`useUpstream` swaps its provider checks). */
  diagnostics: NodeDiagnostics;
  /** Replies from the CRM: store, send, retry, mark read. */
  outbound: OutboundService;
  /** Background sends of this node. */
  sender: ReplySender;
  /** Status, notes and labels of conversations (#15). */
  triage: TriageService;
  /** Reopens snoozed conversations when they fall due (every node; one reopens each). */
  snoozes: SnoozeSweeper;
  /** Asks providers about an instance (core's UpstreamProbe): session state, webhook settings. */
  upstream: UpstreamChecks;
  /** The periodic checks (UPSTREAM_CHECK_INTERVAL_MS) and each instance's last check on this node. */
  upstreamChecker: UpstreamChecker;
  /** Keeps every message's media bytes in the media store (`MEDIA_STORE`), with retries. */
  media: MediaKeeper;
  /** The tenants' users as this node knows them: the token gate, disabled users' sockets (#15). */
  users: UserDirectory;
  /** Agents whose presence is `online` on any node (the gateway's tracker; the round-robin's candidates). */
  online: OnlineUsers;
  /** Messages the provider holds but never posted (`newton backfill`, `POST /api/admin/backfill`). */
  backfill: Backfiller;
  /** When backfill runs by itself: back to `open`, start, periodic, silent instances. */
  backfillTriggers: BackfillTriggers;
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

/** What a test may swap in a node. */
export interface NodeHooks {
  /** The clock media retries are scheduled by. @default Date.now */
  now?: () => number;
}

/** Starts one Newton node from a configuration (the composition root). */
export async function startNode(config: Config, logger?: Logger, hooks: NodeHooks = {}): Promise<NewtonNode> {
  const log = logger ?? createLogger(config.logLevel, config.nodeId);
  const store = await Store.open({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.poolSize,
    checkpointIntervalMs: config.checkpointIntervalMs,
    onBackgroundError: (message) => log.warn({ message }, 'store background task failed'),
  });
  const diagnostics = new NodeDiagnostics(config.nodeId, log);
  const bus = diagnostics.meter(await openBus(config, log));
  const tokens = new TokenService({
    dataDir: config.dataDir,
    jwtSecret: config.jwtSecret,
    jwksUrl: config.jwksUrl,
  });
  const mediaFetchers = new MediaFetchers()
    .register(new EvolutionMediaFetcher())
    .register(new CloudMediaFetcher());
  const blobConfig: BlobStoreConfig =
    config.mediaStore === 's3'
      ? {
          kind: 's3',
          bucket: config.mediaS3Bucket,
          endpoint: config.mediaS3Endpoint,
          region: config.mediaS3Region,
          accessKeyId: config.mediaS3AccessKeyId,
          secretAccessKey: config.mediaS3SecretAccessKey,
          forcePathStyle: config.mediaS3ForcePathStyle,
          prefix: config.mediaS3Prefix,
          timeoutMs: config.mediaFetchTimeoutMs,
        }
      : { kind: 'fs', dataDir: config.dataDir };
  const media = new MediaKeeper(
    store,
    openBlobStore(blobConfig),
    mediaFetchers,
    bus,
    log,
    {
      maxBytes: config.mediaMaxBytes,
      timeoutMs: config.mediaFetchTimeoutMs,
      concurrency: config.mediaConcurrency,
      maxAttempts: config.mediaMaxAttempts,
      retryBaseMs: config.mediaRetryBaseMs,
      retryMaxMs: config.mediaRetryMaxMs,
      sweepIntervalMs: config.mediaSweepIntervalMs,
      ...(hooks.now ? { now: hooks.now } : {}),
    },
    openSpool(blobConfig, config.dataDir),
  );
  const users = new UserDirectory(store, bus, log);
  tokens.setGate(users.gate);
  // The round-robin's candidates: the gateway's presence tracker (created below).
  const online: OnlineUsers = { online: (tenantId) => gateway.live?.onlineUsers(tenantId) ?? [] };
  const autoAssigner = new AutoAssigner(store, bus, online, log);
  const ingestor = new MediaKeepingIngestor(
    new Ingestor(store, bus, log, diagnostics.probes, (tenant, id, trace) =>
      autoAssigner.stored(tenant, id, trace),
    ),
    media,
  );
  const receipts = new ReceiptRecorder(store.receipts, 'evolution', log);
  const statuses = new StatusApplier(store, bus, log);
  const instanceStates = new InstanceStateApplier(store, bus, log);
  const upstream = new UpstreamChecks({
    publicUrl: config.publicUrl,
    timeoutMs: config.upstreamCheckTimeoutMs,
  });
  const upstreamChecker = new UpstreamChecker(store, upstream, instanceStates, log, {
    nodeId: config.nodeId,
    intervalMs: config.upstreamCheckIntervalMs,
    timeoutMs: config.upstreamCheckTimeoutMs,
  });
  const providers = new ProviderRegistry().register(new EvolutionClient()).register(new CloudClient());
  const sender = new ReplySender(
    store,
    bus,
    providers,
    log,
    {
      timeoutMs: config.providerTimeoutMs,
      maxAttempts: config.sendMaxAttempts,
      retryBaseMs: config.sendRetryBaseMs,
      retryMaxMs: config.sendRetryMaxMs,
      resumeAfterMs: config.sendResumeAfterMs,
    },
    instanceStates,
    media.blobs,
  );
  const templates = new TemplateCatalog(providers, config.templatesCacheTtlMs, config.providerTimeoutMs);
  const outbound = new OutboundService(store, bus, providers, sender, log, media.blobs, templates);
  const triage = new TriageService(store, bus, log);
  const snoozes = new SnoozeSweeper(store, bus, log);
  const edits = new EditApplier(store, bus, log);
  const leads = new LeadUpdater(store, bus, log);
  const changes = new MessageChangeApplier(store, bus, log);

  const webhook = new EvolutionWebhook(
    store.admin,
    ingestor,
    receipts,
    log,
    statuses,
    edits,
    instanceStates,
    leads,
    changes,
    // Customer typing (presence.update) → the gateway's ephemeral frames (created below).
    { customerPresence: (u, trace) => gateway.live?.customerPresence(u, trace) ?? Promise.resolve(0) },
  );
  const backfill = new Backfiller(store, ingestor, receipts, log, {
    nodeId: config.nodeId,
    pageSize: config.backfillPageSize,
    rate: config.backfillRate,
    maxWindowMs: config.backfillMaxWindowMs,
    timeoutMs: config.providerTimeoutMs,
  });
  const backfillTriggers = new BackfillTriggers(backfill, store, instanceStates, log, {
    nodeId: config.nodeId,
    intervalMs: config.backfillIntervalMs,
    lookbackMs: config.backfillLookbackMs,
    silentMinMs: config.backfillSilentMinMs,
  });
  const cloudReceipts = new ReceiptRecorder(store.receipts, 'cloud', log);
  const cloudWebhook = new CloudWebhook(
    store.admin,
    ingestor,
    statuses,
    cloudReceipts,
    log,
    instanceStates,
    leads,
    changes,
  );
  const gateway = new Gateway({
    eventLog: store,
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
    observer: diagnostics.metrics,
    conversations: store.presence,
    presenceTtlMs: config.presenceTtlMs,
  });
  const loginCodes = new LoginCodes();
  const { app: http, drain } = await buildHttp({
    logger: log,
    store,
    bus,
    tokens,
    nodeId: config.nodeId,
    webhookBodyLimit: config.webhookBodyLimit,
    evolution: { webhook, receipts },
    loginCodes,
    outbound,
    triage,
    outboundMedia: { maxBytes: config.outboundMediaMaxBytes, templates },
    diagnostics,
    cloud: { webhook: cloudWebhook, receipts: cloudReceipts },
    media: {
      fetchers: mediaFetchers,
      maxBytes: config.mediaMaxBytes,
      timeoutMs: config.mediaFetchTimeoutMs,
      keeper: media,
    },
    upstream,
    backfill: { backfiller: backfill, lookbackMs: config.backfillLookbackMs },
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    publicUrl: config.publicUrl,
    users: { directory: users, autoAssigner },
  });
  users.attach(gateway);
  let selfUrl = '';
  diagnostics.attach({ store, bus, gateway, selfUrl: () => selfUrl, upstream });
  gateway.attach(http.server);
  // A deep accept queue: thousands of sockets reconnect at once after a node restart.
  try {
    await http.listen({ port: config.port, host: config.host, backlog: 4096 });
  } catch (err) {
    // The port is taken (or not ours): release what is open so the process can exit with the reason.
    await gateway.close().catch(() => {});
    await http.close().catch(() => {});
    diagnostics.close();
    users.close();
    await bus.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
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
  selfUrl = url;
  void warmUpstreamClient(`${url}/healthz`);
  sender.startSweeper();
  snoozes.start();
  media.start();
  upstreamChecker.start();
  await backfillTriggers.start();
  log.info({ url, store: store.dialect, location: store.location, bus: bus.kind }, 'newton node listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      gateway.stopAccepting();
      backfillTriggers.stop();
      await backfill.stop();
      await drain.start(config.shutdownTimeoutMs);
      await sender.stop();
      await snoozes.stop();
      await media.stop();
      await upstreamChecker.stop();
      for (const t of timers) clearInterval(t);
      await gateway.close();
      await http.close();
      diagnostics.close();
      users.close();
      await bus.close();
      await store.close();
      log.info('newton node stopped');
    })();
    return closing;
  };
  return {
    url,
    port,
    config,
    store,
    bus,
    gateway,
    tokens,
    http,
    logger: log,
    loginCodes,
    providers,
    ingestor,
    statuses,
    instanceStates,
    diagnostics,
    outbound,
    sender,
    triage,
    snoozes,
    upstream,
    upstreamChecker,
    backfill,
    backfillTriggers,
    media,
    users,
    online,
    close,
  };
}

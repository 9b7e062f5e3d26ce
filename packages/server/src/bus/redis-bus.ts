import { randomUUID } from 'node:crypto';
import type { EventType } from '@newton/protocol';
import { Redis } from 'ioredis';
import type { BusHandler, EventBus, EventOrigin, Logger, TenantEvent } from '../core/index.js';

const EVENTS = 'newton:events';
const CONTROL = 'newton:control';
const PING_PREFIX = 'newton:ping:';

/**
 * Fans events out across nodes through Redis pub/sub (one channel; each node
 * keeps the tenants it has sockets for). Pub/sub, not Streams: the event log
 * in the database is already the durable, replayable copy, so the bus only
 * has to be fast; whatever it loses (a subscriber disconnect, a Redis
 * restart) nodes read back from the log on reconnect. The publishing node's
 * own sockets get its events at once, not through Redis (see publish). See
 * docs/architecture.md.
 *
 * Wire format: `tenant \n seq \n type \n trace \n publishedAt \n frame` — the
 * frame is the exact JSON sockets receive, not re-encoded; publishedAt (epoch
 * ms) lets receivers measure publish→send latency. Control messages
 * (diagnostics) travel opaque on their own channel.
 */
export class RedisBus implements EventBus {
  readonly kind = 'redis';
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Set<BusHandler>();
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly controlHandlers = new Set<(message: string) => void>();
  private readonly pings = new Map<string, () => void>();
  private readonly pingChannel: string;
  /** True while connect() runs: the first `ready` is not a reconnect. */
  private starting = false;
  /** Times the subscriber connection came back after a loss. */
  reconnects = 0;

  constructor(
    url: string,
    nodeId: string,
    private readonly logger: Logger,
  ) {
    this.pingChannel = `${PING_PREFIX}${nodeId}:${randomUUID()}`;
    const common = {
      // Publishing while Redis is away must fail fast (the event log has the events),
      // not queue up and be replayed out of order later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2000),
      lazyConnect: true,
    };
    this.pub = new Redis(url, { ...common, connectionName: `newton-pub-${nodeId}` });
    this.sub = new Redis(url, {
      ...common,
      enableOfflineQueue: true,
      connectionName: `newton-sub-${nodeId}`,
    });
    this.pub.on('error', (err) => this.logger.debug({ err }, 'redis publisher error'));
    this.sub.on('error', (err) => this.logger.debug({ err }, 'redis subscriber error'));
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    this.sub.on('end', () => this.logger.warn('redis subscriber connection ended'));
    this.sub.on('close', () => {
      if (!this.starting)
        this.logger.warn('redis subscriber disconnected: events will be read back from the log');
    });
    this.sub.on('ready', () => {
      if (this.starting) return;
      this.reconnects++;
      this.logger.info(
        { reconnects: this.reconnects },
        'redis subscriber reconnected: catching up from the event log',
      );
      for (const h of this.reconnectHandlers) h();
    });
  }

  /**
   * Connects and subscribes. When Redis cannot be reached the node still
   * starts (webhooks are stored, readiness says degraded) and keeps retrying;
   * the first connection then counts as a reconnect, so nodes catch up.
   * Returns whether Redis answered.
   */
  async connect(): Promise<boolean> {
    this.starting = true;
    try {
      const results = await Promise.allSettled([this.pub.connect(), this.sub.connect()]);
      const subscribed = this.sub.subscribe(EVENTS, CONTROL, this.pingChannel);
      if (results.every((r) => r.status === 'fulfilled')) {
        await subscribed;
        return true;
      }
      subscribed.catch((err: Error) => this.logger.warn({ err }, 'redis subscribe failed'));
      this.logger.warn('redis unreachable at start: running degraded, retrying');
      return false;
    } finally {
      this.starting = false;
    }
  }

  async publish(events: readonly TenantEvent[], origin: EventOrigin = {}): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.pub.pipeline();
    const trace = `${origin.traceId ?? ''}\n${origin.publishedAt ?? ''}`;
    for (const e of events) {
      pipeline.publish(EVENTS, `${e.tenantId}\n${e.seq}\n${e.type}\n${trace}\n${e.frame}`);
    }
    const sent = pipeline.exec();
    // This node's own sockets get the events now, once the publish is on its
    // way to the other nodes, not after Redis's echo: a hop and two task
    // switches fewer for them (#16), and no wait while Redis is away. The echo
    // is dropped by seq (TenantStream), and an event of another node that
    // Redis has not brought yet is waited for in seq order, as ever.
    this.deliverLocal(events, { traceId: origin.traceId, publishedAt: origin.publishedAt });
    // Redis away: other nodes read the events from the log when it returns.
    const results = await sent;
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('redis pipeline failed');
  }

  private deliverLocal(events: readonly TenantEvent[], origin: EventOrigin): void {
    try {
      for (const e of events) for (const handler of this.handlers) handler(e, origin);
    } catch (err) {
      // Other nodes must still get the events: a local failure does not stop the publish.
      this.logger.error({ err }, 'local delivery of published events failed');
    }
  }

  private onMessage(channel: string, message: string): void {
    if (channel !== EVENTS) {
      if (channel === CONTROL) for (const handler of this.controlHandlers) handler(message);
      else this.pings.get(message)?.();
      return;
    }
    const a = message.indexOf('\n');
    const b = message.indexOf('\n', a + 1);
    const c = message.indexOf('\n', b + 1);
    const d = message.indexOf('\n', c + 1);
    const f = message.indexOf('\n', d + 1);
    if (a < 0 || b < 0 || c < 0 || d < 0 || f < 0) {
      this.logger.warn({ bytes: message.length }, 'malformed bus message ignored');
      return;
    }
    const trace = message.slice(c + 1, d);
    const publishedAt = d + 1 < f ? Number(message.slice(d + 1, f)) : undefined;
    const event: TenantEvent = {
      tenantId: message.slice(0, a),
      seq: Number(message.slice(a + 1, b)),
      type: message.slice(b + 1, c) as EventType,
      frame: message.slice(f + 1),
    };
    const origin: EventOrigin = { traceId: trace || undefined, publishedAt: publishedAt || undefined };
    for (const handler of this.handlers) handler(event, origin);
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async publishControl(message: string): Promise<void> {
    await this.pub.publish(CONTROL, message);
  }

  onControl(handler: (message: string) => void): () => void {
    this.controlHandlers.add(handler);
    return () => this.controlHandlers.delete(handler);
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  /** Publishes a nonce to this node's ping channel and waits for it to come back through Redis. */
  roundTrip(timeoutMs: number): Promise<number> {
    const nonce = randomUUID();
    const started = performance.now();
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(nonce);
        reject(new Error(`no round trip through redis within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pings.set(nonce, () => {
        clearTimeout(timer);
        this.pings.delete(nonce);
        resolve(performance.now() - started);
      });
      this.pub.publish(this.pingChannel, nonce).catch((err: Error) => {
        clearTimeout(timer);
        this.pings.delete(nonce);
        reject(new Error(`redis publish failed: ${err.message}`));
      });
    });
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.reconnectHandlers.clear();
    this.controlHandlers.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}

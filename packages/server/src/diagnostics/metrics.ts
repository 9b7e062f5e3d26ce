import type { InstanceState } from '@newton/protocol';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds; from sub-millisecond (in-process bus) to the 10 s a stalled hop may take. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One tenant's sockets on this node, as the gateway reports them at scrape time. */
export interface SocketCount {
  tenantId: string;
  sockets: number;
}

/** One instance's state, as the store holds it (the instance-state gauge reads these at scrape time). */
export interface InstanceStateRow {
  tenantId: string;
  /** Evolution instance name or Cloud phone_number_id. */
  instance: string;
  provider: string;
  state: string;
}

/** Every state the gauge reports per instance (1 for the current one, 0 for the others). */
const INSTANCE_STATES: readonly InstanceState[] = ['open', 'connecting', 'close', 'unknown'];

/**
 * The Prometheus metrics of one node (`GET /metrics`). Each node owns its
 * registry (tests run several nodes in one process, so never the global
 * default one). Hot paths only bump counters, once per event or per batch,
 * never per socket frame; gauges are read when Prometheus scrapes.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly webhooks: Counter<'provider' | 'outcome'>;
  private readonly appended: Counter;
  private readonly published: Counter;
  private readonly publishFailures: Counter;
  private readonly deliveries: Counter;
  private readonly deliveredEvents: Counter;
  private readonly busReconnects: Counter;
  private readonly slowConsumers: Counter;
  private readonly replays: Counter<'source'>;
  private readonly replayedEvents: Counter<'source'>;
  private readonly webhookToStored: Histogram;
  private readonly storedToPublished: Histogram;
  private readonly publishedToSent: Histogram;
  private socketSource: () => SocketCount[] = () => [];
  private instanceSource: () => Promise<InstanceStateRow[]> = async () => [];

  constructor(nodeId: string) {
    this.registry.setDefaultLabels({ node: nodeId });
    const registers = [this.registry];
    this.webhooks = new Counter({
      name: 'newton_webhooks_total',
      help: 'Webhook items answered, by provider and outcome (accepted, duplicate, ignored, unroutable, rejected, account, error)',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.appended = new Counter({
      name: 'newton_events_appended_total',
      help: 'Events appended to tenant logs and handed to the bus by this node',
      registers,
    });
    this.published = new Counter({
      name: 'newton_events_published_total',
      help: 'Events the bus accepted for fan-out',
      registers,
    });
    this.publishFailures = new Counter({
      name: 'newton_publish_failures_total',
      help: 'Events whose publish failed (nodes catch up from the event log)',
      registers,
    });
    this.deliveries = new Counter({
      name: 'newton_deliveries_total',
      help: 'Event frames handed to sockets on this node (one per socket per event)',
      registers,
    });
    this.deliveredEvents = new Counter({
      name: 'newton_events_delivered_total',
      help: 'Events this node handed to its sockets (once per event, whatever the socket count)',
      registers,
    });
    this.busReconnects = new Counter({
      name: 'newton_bus_reconnects_total',
      help: 'Times the bus connection came back after a loss',
      registers,
    });
    this.slowConsumers = new Counter({
      name: 'newton_slow_consumer_closes_total',
      help: 'Sockets closed with 4008 slow_consumer',
      registers,
    });
    this.replays = new Counter({
      name: 'newton_replays_total',
      help: 'Resumes answered, by source (cache: from memory; log: read from the event log)',
      labelNames: ['source'],
      registers,
    });
    this.replayedEvents = new Counter({
      name: 'newton_replayed_events_total',
      help: 'Events sent by resumes, by source',
      labelNames: ['source'],
      registers,
    });
    this.webhookToStored = new Histogram({
      name: 'newton_webhook_to_stored_seconds',
      help: 'From a webhook request arriving to its answer after the commit (accepted messages)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storedToPublished = new Histogram({
      name: 'newton_stored_to_published_seconds',
      help: 'From handing committed events to the bus to the bus accepting them',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.publishedToSent = new Histogram({
      name: 'newton_published_to_sent_seconds',
      help: "From publish (on the publishing node's clock) to the frames queued on this node's sockets",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const read = () => this.socketSource();
    const gauge: Gauge<'tenant'> = new Gauge({
      name: 'newton_sockets',
      help: 'Open sockets on this node, by tenant',
      labelNames: ['tenant'],
      registers,
      collect: () => {
        gauge.reset();
        for (const s of read()) gauge.set({ tenant: s.tenantId }, s.sockets);
      },
    });
    const readStates = () => this.instanceSource();
    // Read from the store at scrape time, so every node reports the same states.
    const states: Gauge<'tenant' | 'instance' | 'provider' | 'state'> = new Gauge({
      name: 'newton_instance_state',
      help: "Each WhatsApp number's state at its provider: 1 for the current state (open, connecting, close, unknown), 0 for the others",
      labelNames: ['tenant', 'instance', 'provider', 'state'],
      registers,
      collect: async () => {
        // A store that cannot answer must not fail the whole scrape: no states then.
        const rows = await readStates().catch(() => []);
        states.reset();
        for (const r of rows) {
          for (const state of INSTANCE_STATES) {
            const labels = { tenant: r.tenantId, instance: r.instance, provider: r.provider, state };
            states.set(labels, r.state === state ? 1 : 0);
          }
        }
      },
    });
  }

  /** Where the instance-state gauge reads from (the store, wired by the diagnostics module). */
  readInstanceStatesFrom(source: () => Promise<InstanceStateRow[]>): void {
    this.instanceSource = source;
  }

  /** Where the sockets gauge reads from (the gateway, wired by the diagnostics module). */
  readSocketsFrom(source: () => SocketCount[]): void {
    this.socketSource = source;
  }

  webhook(provider: string, outcome: string, n = 1): void {
    this.webhooks.inc({ provider, outcome }, n);
  }

  webhookStored(seconds: number): void {
    this.webhookToStored.observe(seconds);
  }

  eventsAppended(n: number): void {
    this.appended.inc(n);
  }

  eventsPublished(n: number, seconds: number): void {
    this.published.inc(n);
    this.storedToPublished.observe(seconds);
  }

  publishFailed(n: number): void {
    this.publishFailures.inc(n);
  }

  busReconnected(): void {
    this.busReconnects.inc();
  }

  /** One event handed to `sockets` sockets of this node. */
  delivered(sockets: number, publishedAt: number | undefined): void {
    this.deliveredEvents.inc();
    if (sockets > 0) this.deliveries.inc(sockets);
    if (publishedAt !== undefined) this.publishedToSent.observe(Math.max(0, Date.now() - publishedAt) / 1000);
  }

  slowConsumer(): void {
    this.slowConsumers.inc();
  }

  replayed(source: 'cache' | 'log', events: number): void {
    this.replays.inc({ source });
    if (events > 0) this.replayedEvents.inc({ source }, events);
  }

  /** The Prometheus text exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

import type { DiagnosticsReport, ProbeResult } from '@newton/protocol';
import type { EventBus, Logger, UpstreamProbe } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { Gateway } from '../ws/index.js';
import { SocketCensus } from './census.js';
import { diagnose } from './diagnose.js';
import { MeteredBus } from './metered-bus.js';
import { type InstanceStateRow, NodeMetrics } from './metrics.js';
import { injectProbe, ProbeRegistry } from './probe.js';
import { ProbeChannel } from './probe-channel.js';

export { NodeMetrics } from './metrics.js';
export { PROBE_LID, PROBE_NAME } from './probe.js';

/**
 * Everything a node does to explain itself: metrics, the cross-node socket
 * census over the bus, the diagnostics report and the probe. Wired by the
 * composition root (app.ts); the bus, the gateway and the store know nothing
 * of it.
 */
export class NodeDiagnostics {
  readonly metrics: NodeMetrics;
  readonly probes = new ProbeRegistry();
  private census: SocketCensus | undefined;
  private probeChannel: ProbeChannel | undefined;
  private upstream: UpstreamProbe | undefined;
  private store: Store | undefined;
  private bus: EventBus | undefined;
  private selfUrl: () => string = () => '';

  constructor(
    readonly nodeId: string,
    private readonly logger: Logger,
  ) {
    this.metrics = new NodeMetrics(nodeId);
  }

  /** The node's bus with publish counts and publish-time stamps. */
  meter(bus: EventBus): EventBus {
    return new MeteredBus(bus, this.metrics);
  }

  /**
   * Starts answering census questions with the gateway's numbers, and
   * delivering probe events to the gateway's `diagnostics` sockets.
   */
  attach(opts: {
    store: Store;
    bus: EventBus;
    gateway: Gateway;
    selfUrl: () => string;
    /** Asks providers about instances for the `upstream` hop; without it the hop says the webhook was not checked. */
    upstream?: UpstreamProbe | undefined;
  }): void {
    this.store = opts.store;
    this.bus = opts.bus;
    this.selfUrl = opts.selfUrl;
    this.upstream = opts.upstream;
    const gateway = opts.gateway;
    this.metrics.readSocketsFrom(() => gateway.sockets());
    this.metrics.readInstanceStatesFrom(() => instanceStates(opts.store));
    this.census = new SocketCensus(opts.bus, this.nodeId, (t) => gateway.tenantSockets(t), this.logger);
    this.probeChannel = new ProbeChannel(
      opts.bus,
      this.nodeId,
      (tenantId, json) => gateway.deliverUnsequenced(tenantId, 'diagnostics', json),
      this.logger,
    );
    this.probes.connect(this.probeChannel);
  }

  /** Replaces the provider checks the `upstream` hop asks (the composition root's, or a test's). */
  useUpstream(probe: UpstreamProbe | undefined): void {
    this.upstream = probe;
  }

  private deps(): { store: Store; bus: EventBus; census: SocketCensus } {
    if (!this.store || !this.bus || !this.census) throw new Error('diagnostics not attached');
    return { store: this.store, bus: this.bus, census: this.census };
  }

  /** The server-side hops of one tenant (see diagnose.ts). */
  report(tenantId: string, windowMs?: number): Promise<DiagnosticsReport> {
    const { store, bus, census } = this.deps();
    return diagnose(
      {
        store,
        nodeId: this.nodeId,
        busKind: bus.kind,
        census: (t) => census.ask(t),
        upstream: this.upstream,
      },
      tenantId,
      windowMs,
    );
  }

  /**
   * Injects a probe webhook through this node's own HTTP webhook path, then
   * removes the rows it stored (its events have gone out by then, on the
   * `diagnostics` channel only).
   */
  async probe(tenantId: string, instanceName?: string): Promise<ProbeResult> {
    const { store } = this.deps();
    try {
      return await injectProbe({
        store,
        registry: this.probes,
        selfUrl: this.selfUrl(),
        nodeId: this.nodeId,
        tenantId,
        instanceName,
      });
    } finally {
      await store.probes
        .remove(tenantId)
        .then((removed) => this.logger.info({ tenant: tenantId, ...removed }, 'probe rows removed'))
        .catch((err: Error) => this.logger.warn({ err, tenant: tenantId }, 'probe rows not removed'));
    }
  }

  close(): void {
    this.census?.close();
    this.probeChannel?.close();
  }
}

/** Every instance's state with its tenant (the states carry no tenant, the directory no state). */
async function instanceStates(store: Store): Promise<InstanceStateRow[]> {
  const [instances, states] = await Promise.all([store.admin.listInstances(), store.instances.list()]);
  const stateOf = new Map(states.map((s) => [s.id, s.state]));
  return instances.map((i) => ({
    tenantId: i.tenantId,
    instance: i.name,
    provider: i.provider,
    state: stateOf.get(i.id) ?? 'unknown',
  }));
}

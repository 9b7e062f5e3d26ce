import type { DiagnosticsReport, ProbeResult } from '@newton/protocol';
import type { EventBus, Logger } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { Gateway } from '../ws/index.js';
import { SocketCensus } from './census.js';
import { diagnose } from './diagnose.js';
import { MeteredBus } from './metered-bus.js';
import { type InstanceStateRow, NodeMetrics } from './metrics.js';
import { injectProbe, ProbeRegistry } from './probe.js';

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

  /** Starts answering census questions with the gateway's numbers. */
  attach(opts: { store: Store; bus: EventBus; gateway: Gateway; selfUrl: () => string }): void {
    this.store = opts.store;
    this.bus = opts.bus;
    this.selfUrl = opts.selfUrl;
    const gateway = opts.gateway;
    this.metrics.readSocketsFrom(() => gateway.sockets());
    this.metrics.readInstanceStatesFrom(() => instanceStates(opts.store));
    this.census = new SocketCensus(opts.bus, this.nodeId, (t) => gateway.tenantSockets(t), this.logger);
  }

  private deps(): { store: Store; bus: EventBus; census: SocketCensus } {
    if (!this.store || !this.bus || !this.census) throw new Error('diagnostics not attached');
    return { store: this.store, bus: this.bus, census: this.census };
  }

  /** The server-side hops of one tenant (see diagnose.ts). */
  report(tenantId: string, windowMs?: number): Promise<DiagnosticsReport> {
    const { store, bus, census } = this.deps();
    return diagnose(
      { store, nodeId: this.nodeId, busKind: bus.kind, census: (t) => census.ask(t) },
      tenantId,
      windowMs,
    );
  }

  /** Injects a probe webhook through this node's own HTTP webhook path. */
  probe(tenantId: string, instanceName?: string): Promise<ProbeResult> {
    const { store } = this.deps();
    return injectProbe({
      store,
      registry: this.probes,
      selfUrl: this.selfUrl(),
      nodeId: this.nodeId,
      tenantId,
      instanceName,
    });
  }

  close(): void {
    this.census?.close();
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

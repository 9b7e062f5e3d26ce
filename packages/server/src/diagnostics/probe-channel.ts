import type { EventBody, ProbeEventFrame } from '@newton/protocol';
import type { EventBus, Logger } from '../core/index.js';

/** Control messages carrying probe frames, JSON after this prefix (the census ignores them). */
const PREFIX = 'diag-probe:';

interface ProbeFrames {
  tenant: string;
  trace: string;
  /** Each a `probe_event` frame, JSON as sockets receive it. */
  frames: string[];
}

/**
 * Carries a probe's events to every node's sockets on the opt-in
 * `diagnostics` channel, and to no other socket. The events never enter the
 * tenant's event log, so they take no seq: a socket on the default channels
 * sees neither them nor a gap where they would have been. They travel the
 * node's bus (as control messages, on the same connection as events) and each
 * node's gateway writes them to its subscribed sockets, so a probe that
 * arrives still proves webhook → store → bus → gateway.
 */
export class ProbeChannel {
  private readonly off: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly nodeId: string,
    /** Writes one frame to this node's sockets of the tenant on `diagnostics`; returns how many. */
    private readonly deliver: (tenantId: string, json: string) => number,
    private readonly logger: Logger,
  ) {
    this.off = bus.onControl((m) => this.onControl(m));
  }

  /** Publishes a stored probe's events to every node (this one included). Rejects when the bus is down. */
  async publish(tenantId: string, traceId: string, events: EventBody[]): Promise<void> {
    const occurredAt = new Date().toISOString();
    const frames = events.map((event) => {
      const frame: ProbeEventFrame = {
        type: 'probe_event',
        tenant_id: tenantId,
        trace_id: traceId,
        node_id: this.nodeId,
        occurred_at: occurredAt,
        event,
      };
      return JSON.stringify(frame);
    });
    const message: ProbeFrames = { tenant: tenantId, trace: traceId, frames };
    await this.bus.publishControl(PREFIX + JSON.stringify(message));
    this.logger.info(
      { trace: traceId, tenant: tenantId, types: events.map((e) => e.type), bus: this.bus.kind },
      'probe events published on the diagnostics channel',
    );
  }

  private onControl(message: string): void {
    if (!message.startsWith(PREFIX)) return;
    let msg: ProbeFrames;
    try {
      msg = JSON.parse(message.slice(PREFIX.length)) as ProbeFrames;
    } catch {
      return;
    }
    if (typeof msg.tenant !== 'string' || !Array.isArray(msg.frames)) return;
    let sockets = 0;
    for (const frame of msg.frames) if (typeof frame === 'string') sockets = this.deliver(msg.tenant, frame);
    this.logger.info(
      { trace: msg.trace, tenant: msg.tenant, frames: msg.frames.length, sockets },
      'probe events delivered to diagnostics sockets',
    );
  }

  close(): void {
    this.off();
  }
}

/**
 * The bus transport of ephemeral frames (#15: presence and typing): control
 * messages with their own prefix, so the census and the probe channel ignore
 * them. Nothing here is stored, takes a seq or is replayed. Each node writes
 * a frame to its own sockets of the tenant only, so every socket gets it once.
 */
import type { EventBus, Logger } from '../core/index.js';

const PREFIX = 'eph:';

/** A node's presence of one agent: the sum of that agent's sockets on the node. */
export type NodePresence = 'online' | 'away' | 'offline';

export type EphemeralMessage =
  /** A frame for every socket of tenant `t` on every node, except the sockets of user `x`. */
  | { k: 'frame'; t: string; x?: string; f: string }
  /** Node `n`'s presence of user `u` of tenant `t` changed. */
  | { k: 'presence'; n: string; t: string; u: string; s: NodePresence }
  /** Everything node `n` has (tenant, user, state): a heartbeat; what it omits is offline there. */
  | { k: 'refresh'; n: string; e: [string, string, 'online' | 'away'][] }
  /** Node `n` just started: every node answers with a `refresh`. */
  | { k: 'sync'; n: string };

export class EphemeralRelay {
  private readonly handlers = new Set<(m: EphemeralMessage) => void>();
  private readonly off: () => void;

  constructor(
    private readonly bus: EventBus,
    /** Writes a frame to this node's sockets of the tenant (except user `except`); returns how many. */
    private readonly deliverLocal: (tenantId: string, json: string, except?: string) => number,
    private readonly logger: Logger,
  ) {
    this.off = bus.onControl((m) => this.onControl(m));
  }

  /** Receives every ephemeral message, this node's own included. */
  on(handler: (m: EphemeralMessage) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** A frame for every socket of the tenant on every node (but `exceptUser`'s). */
  sendFrame(tenantId: string, frame: object, exceptUser?: string): void {
    const msg: EphemeralMessage = { k: 'frame', t: tenantId, f: JSON.stringify(frame) };
    if (exceptUser !== undefined) msg.x = exceptUser;
    this.publish(msg);
  }

  /**
   * Publishes to every node. With the bus down the frame still reaches this
   * node's sockets; presence messages are dropped (the next refresh repairs them).
   */
  publish(msg: EphemeralMessage): void {
    this.bus.publishControl(PREFIX + JSON.stringify(msg)).catch((err) => {
      this.logger.debug({ err, kind: msg.k }, 'ephemeral message not published: bus down');
      if (msg.k === 'frame') this.deliverLocal(msg.t, msg.f, msg.x);
    });
  }

  private onControl(raw: string): void {
    if (!raw.startsWith(PREFIX)) return;
    let msg: EphemeralMessage;
    try {
      msg = JSON.parse(raw.slice(PREFIX.length)) as EphemeralMessage;
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    if (msg.k === 'frame') {
      if (typeof msg.t === 'string' && typeof msg.f === 'string') this.deliverLocal(msg.t, msg.f, msg.x);
      return;
    }
    for (const h of this.handlers) h(msg);
  }

  close(): void {
    this.off();
    this.handlers.clear();
  }
}

/**
 * Which users have an open socket on any node (#15, for the round-robin):
 * each node announces its own (tenant → users) on the bus when a user's
 * first socket opens or last one closes, and every `announceMs` in any case;
 * an announcement older than `expireMs` (a node that died) counts no more.
 * Without Redis the bus is this node alone, which is then the whole truth.
 */
import type { EventBus, Logger } from '../core/index.js';

const PREFIX = 'online:';

/** This node's sockets, as presence needs them (the gateway). */
export interface SocketCensus {
  sockets(): { tenantId: string; users: string[] }[];
}

interface Announcement {
  node: string;
  tenants: Record<string, string[]>;
}

export class OnlineAgents {
  private readonly nodes = new Map<string, { at: number; tenants: Map<string, Set<string>> }>();
  private readonly offControl: () => void;
  private readonly timer: NodeJS.Timeout | undefined;
  private census: SocketCensus | undefined;
  private scheduled = false;

  constructor(
    private readonly nodeId: string,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly opts: { announceMs: number; expireMs: number } = { announceMs: 5000, expireMs: 15_000 },
  ) {
    this.offControl = bus.onControl((m) => this.onControl(m));
    if (opts.announceMs > 0) {
      this.timer = setInterval(() => this.announce(), opts.announceMs);
      this.timer.unref();
    }
  }

  /** This node's sockets; announces them at once. */
  attach(census: SocketCensus): void {
    this.census = census;
    this.socketsChanged();
  }

  /** A socket opened or closed here: announce soon (once per turn of the loop). */
  socketsChanged(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.announce();
    });
  }

  /** Users of the tenant with an open socket on some node, in id order. */
  online(tenantId: string, now = Date.now()): string[] {
    const users = new Set<string>();
    for (const [node, n] of this.nodes) {
      if (node !== this.nodeId && now - n.at > this.opts.expireMs) continue;
      for (const u of n.tenants.get(tenantId) ?? []) users.add(u);
    }
    // This node's own sockets are known without the bus.
    for (const s of this.census?.sockets() ?? [])
      if (s.tenantId === tenantId) for (const u of s.users) users.add(u);
    return [...users].sort();
  }

  private announce(): void {
    if (!this.census) return;
    const tenants: Record<string, string[]> = {};
    for (const s of this.census.sockets()) if (s.users.length > 0) tenants[s.tenantId] = s.users;
    const message: Announcement = { node: this.nodeId, tenants };
    this.bus
      .publishControl(PREFIX + JSON.stringify(message))
      .catch((err) => this.log.debug({ err }, 'online agents not announced'));
  }

  private onControl(message: string): void {
    if (!message.startsWith(PREFIX)) return;
    try {
      const m = JSON.parse(message.slice(PREFIX.length)) as Announcement;
      if (typeof m.node !== 'string' || typeof m.tenants !== 'object' || m.tenants === null) return;
      const tenants = new Map<string, Set<string>>();
      for (const [t, users] of Object.entries(m.tenants))
        if (Array.isArray(users)) tenants.set(t, new Set(users));
      this.nodes.set(m.node, { at: Date.now(), tenants });
    } catch {
      // not ours to judge: another version's message
    }
  }

  close(): void {
    this.offControl();
    clearInterval(this.timer);
  }
}

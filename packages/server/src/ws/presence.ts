/**
 * Agent presence across nodes (#15). Each node knows its own sockets: an
 * agent (token `sub`) is `online` on a node while one of its sockets there is
 * not away, `away` while all of them are. Nodes tell each other on every
 * change and again every `ttlMs / 3` (a refresh); a node not heard from for
 * `ttlMs` (it died, or lost Redis) counts as having no sockets. Every node
 * combines the views (online beats away beats offline) and writes each change
 * to its own sockets of the tenant as `agent_presence`. Never stored.
 */
import type { AgentPresence, AgentPresenceFrame, AgentPresenceState } from '@newton/protocol';
import type { EphemeralMessage, EphemeralRelay, NodePresence } from './ephemeral.js';

type Live = 'online' | 'away';

/** What presence needs of a socket. */
export interface PresenceSocket {
  readonly id: string;
  readonly tenantId: string;
  readonly principal: { userId: string };
}

interface Seen {
  state: Live;
  /** Epoch ms after which the node's word no longer counts (Infinity for this node's own). */
  expires: number;
}

const key = (tenant: string, user: string) => `${tenant}\u0000${user}`;

export class PresenceTracker {
  /** This node's sockets: tenant+user → socket id → state. */
  private readonly local = new Map<string, Map<string, Live>>();
  /** Every node's word: tenant+user → node → state. */
  private readonly view = new Map<string, Map<string, Seen>>();
  /** The combined state this node's sockets were told: tenant → user → presence. */
  private readonly combined = new Map<string, Map<string, AgentPresence>>();
  private readonly timer: NodeJS.Timeout;
  private readonly off: () => void;

  constructor(
    private readonly relay: EphemeralRelay,
    private readonly nodeId: string,
    private readonly ttlMs: number,
    /** Writes one frame to this node's sockets of the tenant. */
    private readonly deliverLocal: (tenantId: string, json: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.off = relay.on((m) => this.onMessage(m));
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref();
    // A node that just started asks the others for what they have.
    relay.publish({ k: 'sync', n: nodeId });
  }

  connected(s: PresenceSocket): void {
    this.setLocal(s, 'online');
  }

  /** The socket said `online` or `away`. */
  set(s: PresenceSocket, state: Live): void {
    if (this.local.get(key(s.tenantId, s.principal.userId))?.has(s.id)) this.setLocal(s, state);
  }

  disconnected(s: PresenceSocket): void {
    this.setLocal(s, undefined);
  }

  /** Every agent of the tenant not offline, as this node sees them. */
  snapshot(tenantId: string): AgentPresence[] {
    return [...(this.combined.get(tenantId)?.values() ?? [])];
  }

  /** The tenant's agents online now, on any node (for auto-assignment). */
  onlineUsers(tenantId: string): string[] {
    return this.snapshot(tenantId)
      .filter((p) => p.state === 'online')
      .map((p) => p.user_id);
  }

  private setLocal(s: PresenceSocket, state: Live | undefined): void {
    const k = key(s.tenantId, s.principal.userId);
    const before = this.nodeState(k);
    let sockets = this.local.get(k);
    if (state) {
      if (!sockets) {
        sockets = new Map();
        this.local.set(k, sockets);
      }
      sockets.set(s.id, state);
    } else if (sockets) {
      sockets.delete(s.id);
      if (sockets.size === 0) this.local.delete(k);
    }
    const after = this.nodeState(k);
    if (after === before) return;
    this.setSeen(k, this.nodeId, after, Number.POSITIVE_INFINITY);
    this.recompute(s.tenantId, s.principal.userId);
    this.relay.publish({ k: 'presence', n: this.nodeId, t: s.tenantId, u: s.principal.userId, s: after });
  }

  /** This node's presence of one agent. */
  private nodeState(k: string): NodePresence {
    const sockets = this.local.get(k);
    if (!sockets || sockets.size === 0) return 'offline';
    for (const v of sockets.values()) if (v === 'online') return 'online';
    return 'away';
  }

  private setSeen(k: string, node: string, state: NodePresence, expires: number): void {
    let nodes = this.view.get(k);
    if (state === 'offline') {
      nodes?.delete(node);
      if (nodes?.size === 0) this.view.delete(k);
      return;
    }
    if (!nodes) {
      nodes = new Map();
      this.view.set(k, nodes);
    }
    nodes.set(node, { state, expires });
  }

  private onMessage(m: EphemeralMessage): void {
    if (m.k === 'frame' || m.n === this.nodeId || typeof m.n !== 'string') return;
    const expires = this.now() + this.ttlMs;
    if (m.k === 'sync') {
      this.refresh();
    } else if (m.k === 'presence') {
      if (typeof m.t !== 'string' || typeof m.u !== 'string') return;
      const s = m.s === 'online' || m.s === 'away' ? m.s : 'offline';
      this.setSeen(key(m.t, m.u), m.n, s, expires);
      this.recompute(m.t, m.u);
    } else if (m.k === 'refresh' && Array.isArray(m.e)) {
      const listed = new Set<string>();
      for (const entry of m.e) {
        if (!Array.isArray(entry)) continue;
        const [t, u, s] = entry;
        if (typeof t !== 'string' || typeof u !== 'string' || (s !== 'online' && s !== 'away')) continue;
        const k = key(t, u);
        listed.add(k);
        this.setSeen(k, m.n, s, expires);
        this.recompute(t, u);
      }
      // What the node no longer lists went offline there (a lost `presence`).
      for (const [k, nodes] of [...this.view]) {
        if (!listed.has(k) && nodes.has(m.n)) {
          this.setSeen(k, m.n, 'offline', 0);
          this.recomputeKey(k);
        }
      }
    }
  }

  /** Tells the other nodes what this one has, and forgets nodes not heard from. */
  private tick(): void {
    this.refresh();
    const now = this.now();
    for (const [k, nodes] of [...this.view]) {
      let changed = false;
      for (const [node, seen] of [...nodes]) {
        if (seen.expires <= now) {
          nodes.delete(node);
          changed = true;
        }
      }
      if (nodes.size === 0) this.view.delete(k);
      if (changed) this.recomputeKey(k);
    }
  }

  private refresh(): void {
    const e: [string, string, Live][] = [];
    for (const k of this.local.keys()) {
      const s = this.nodeState(k);
      const [t, u] = k.split('\u0000') as [string, string];
      if (s !== 'offline') e.push([t, u, s]);
    }
    this.relay.publish({ k: 'refresh', n: this.nodeId, e });
  }

  private recomputeKey(k: string): void {
    const [t, u] = k.split('\u0000') as [string, string];
    this.recompute(t, u);
  }

  /** Combines every node's word on one agent; a change is written to this node's sockets. */
  private recompute(tenantId: string, userId: string): void {
    let state: AgentPresenceState = 'offline';
    for (const seen of this.view.get(key(tenantId, userId))?.values() ?? []) {
      if (seen.state === 'online') {
        state = 'online';
        break;
      }
      state = 'away';
    }
    let users = this.combined.get(tenantId);
    const before = users?.get(userId)?.state ?? 'offline';
    if (state === before) return;
    const presence: AgentPresence = { user_id: userId, state, since: new Date(this.now()).toISOString() };
    if (state === 'offline') {
      users?.delete(userId);
      if (users?.size === 0) this.combined.delete(tenantId);
    } else {
      if (!users) {
        users = new Map();
        this.combined.set(tenantId, users);
      }
      users.set(userId, presence);
    }
    const frame: AgentPresenceFrame = { type: 'agent_presence', ...presence };
    this.deliverLocal(tenantId, JSON.stringify(frame));
  }

  close(): void {
    clearInterval(this.timer);
    this.off();
  }
}

/**
 * The gateway's ephemeral side (#15): presence and typing frames between the
 * sockets of a tenant, on every node, through the bus. Wires the relay
 * (ephemeral.ts), presence (presence.ts) and typing (typing.ts) to the
 * sockets of this node.
 */
import type { AgentPresence, PresenceFrame, PresenceSnapshotFrame, TypingFrame } from '@newton/protocol';
import { FrameErrorCode } from '@newton/protocol';
import type {
  ConversationLookup,
  CustomerPresenceSink,
  CustomerPresenceUpdate,
  EventBus,
  Logger,
} from '../core/index.js';
import { EphemeralRelay } from './ephemeral.js';
import { textFrame } from './frames.js';
import { type PresenceSocket, PresenceTracker } from './presence.js';
import { RateBucket, TypingRelay, type TypingSocket } from './typing.js';

export type LiveSocket = PresenceSocket & TypingSocket;

/** What a connection hands to the live side. */
export interface LiveHooks {
  onFrame(s: LiveSocket, frame: PresenceFrame | TypingFrame): void;
  /** The socket subscribed to `presence`: it gets the snapshot. */
  joined(s: LiveSocket & { deliverUnsequenced(channel: 'presence', frame: Buffer): boolean }): void;
}

export class LiveFrames implements LiveHooks, CustomerPresenceSink {
  private readonly relay: EphemeralRelay;
  private readonly tracker: PresenceTracker;
  private readonly typingRelay: TypingRelay;
  private readonly buckets = new WeakMap<LiveSocket, RateBucket>();

  constructor(opts: {
    bus: EventBus;
    nodeId: string;
    ttlMs: number;
    lookup: ConversationLookup;
    logger: Logger;
    /** Writes a frame to this node's sockets of the tenant (but user `except`'s); returns how many. */
    deliverLocal: (tenantId: string, json: string, except?: string) => number;
  }) {
    this.relay = new EphemeralRelay(opts.bus, opts.deliverLocal, opts.logger);
    this.tracker = new PresenceTracker(this.relay, opts.nodeId, opts.ttlMs, (t, json) => {
      opts.deliverLocal(t, json);
    });
    this.typingRelay = new TypingRelay(this.relay, opts.lookup, opts.logger);
  }

  /** A socket is live: its agent counts as online. */
  connected(s: LiveSocket): void {
    this.tracker.connected(s);
  }

  joined(s: LiveSocket & { deliverUnsequenced(channel: 'presence', frame: Buffer): boolean }): void {
    const frame: PresenceSnapshotFrame = {
      type: 'presence_snapshot',
      agents: this.tracker.snapshot(s.tenantId),
    };
    s.deliverUnsequenced('presence', textFrame(JSON.stringify(frame)));
  }

  disconnected(s: LiveSocket): void {
    this.tracker.disconnected(s);
  }

  /** A `presence` or `typing` frame from a socket, within its rate. */
  onFrame(s: LiveSocket, frame: PresenceFrame | TypingFrame): void {
    if (!this.allowed(s)) return;
    if (frame.type === 'presence') this.tracker.set(s, frame.state);
    else void this.typingRelay.agentTyping(s, frame);
  }

  customerPresence(u: CustomerPresenceUpdate, traceId: string): Promise<number> {
    return this.typingRelay.customerPresence(u, traceId);
  }

  /** The tenant's agents as this node sees them (online or away). */
  snapshot(tenantId: string): AgentPresence[] {
    return this.tracker.snapshot(tenantId);
  }

  /** The tenant's agents online now on any node (round-robin assignment picks among them). */
  onlineUsers(tenantId: string): string[] {
    return this.tracker.onlineUsers(tenantId);
  }

  private allowed(s: LiveSocket): boolean {
    let bucket = this.buckets.get(s);
    if (!bucket) {
      bucket = new RateBucket();
      this.buckets.set(s, bucket);
    }
    if (bucket.take()) return true;
    s.sendError(FrameErrorCode.RATE_LIMITED, 'too many presence/typing frames; slow down');
    return false;
  }

  close(): void {
    this.tracker.close();
    this.relay.close();
  }
}

/**
 * The tenant streams of one gateway (internal): one TenantStream per tenant
 * with sockets on this node, created on a tenant's first socket and kept a
 * while after its last (so a reconnect storm finds its cursor and replay
 * cache warm), with the node-wide walks over them: heartbeats, catch-ups
 * from the event log, head polls and the diagnostics' counts.
 */
import { CHANNELS, type Channel, OPT_IN_CHANNELS } from '@newton/protocol';
import type { EventLogReader, Logger } from '../core/index.js';
import { type Connection, HEARTBEAT_SLICES } from './connection.js';
import { textFrame } from './frames.js';
import type { GatewayObserver } from './gateway-options.js';
import { TenantStream } from './tenant-stream.js';

/** One tenant's sockets on this node, for diagnostics. */
export interface TenantSocketStats {
  count: number;
  users: string[];
  /** Sockets subscribed to each channel. */
  channels: Record<string, number>;
  /** Latest client frame of any of these sockets (epoch ms), or null without sockets. */
  lastFrameAt: number | null;
}

export interface TenantSockets {
  tenantId: string;
  sockets: number;
  cursor: number;
  users: string[];
}

export interface TenantStreamsOptions {
  eventLog: EventLogReader;
  logger: Logger;
  gapGraceMs: number;
  replayCacheEvents: number;
  streamLingerMs: number;
  observer?: GatewayObserver;
}

export class TenantStreams {
  private readonly streams = new Map<string, TenantStream>();
  private readonly lingering = new Map<TenantStream, NodeJS.Timeout>();
  private polling = false;
  /** The heartbeat's next slice. */
  private sweepTick = 0;
  /** Set once the gateway stops accepting sockets: a released stream is dropped at once. */
  private closing = false;

  constructor(private readonly opts: TenantStreamsOptions) {}

  get(tenantId: string): TenantStream | undefined {
    return this.streams.get(tenantId);
  }

  /** The tenant's stream, created on first use; one reference more. */
  acquire(tenantId: string): TenantStream {
    let stream = this.streams.get(tenantId);
    if (stream) {
      clearTimeout(this.lingering.get(stream));
      this.lingering.delete(stream);
    } else {
      stream = new TenantStream(tenantId, {
        eventLog: this.opts.eventLog,
        logger: this.opts.logger,
        gapGraceMs: this.opts.gapGraceMs,
        replayCacheEvents: this.opts.replayCacheEvents,
        onDelivered: (e, origin, sockets) => {
          this.opts.observer?.delivered(sockets, origin.publishedAt);
          this.opts.logger.info(
            { trace: origin.traceId, tenant: tenantId, seq: e.seq, type: e.type, sockets },
            'event delivered to sockets',
          );
        },
      });
      this.streams.set(tenantId, stream);
    }
    stream.ref();
    return stream;
  }

  /**
   * A stream without sockets lingers a while (kept current by the bus), so a
   * reconnect storm after a network blip finds its cursor and replay cache warm.
   */
  release(stream: TenantStream): void {
    stream.unref();
    if (stream.referenced || this.streams.get(stream.tenantId) !== stream) return;
    const drop = () => {
      this.lingering.delete(stream);
      if (!stream.referenced && this.streams.get(stream.tenantId) === stream) {
        this.streams.delete(stream.tenantId);
        stream.dispose();
      }
    };
    if (!stream.exists || this.opts.streamLingerMs <= 0 || this.closing) {
      drop();
      return;
    }
    const timer = setTimeout(drop, this.opts.streamLingerMs);
    timer.unref();
    this.lingering.set(stream, timer);
  }

  /**
   * One tick of the heartbeat, for the sockets of its slice (HEARTBEAT_SLICES
   * ticks make one interval): protocol pings; drops peers that did not answer
   * the last one and sockets whose token expired.
   */
  sweep(): void {
    const slice = this.sweepTick;
    this.sweepTick = (slice + 1) % HEARTBEAT_SLICES;
    const nowS = Date.now() / 1000;
    for (const stream of this.streams.values()) {
      for (const conn of stream.connections) if (conn.heartbeatSlice === slice) conn.heartbeat(nowS);
    }
  }

  /** Catches every tenant stream up from the event log (after the bus lost messages). */
  async catchUpAll(): Promise<number> {
    let n = 0;
    for (const stream of [...this.streams.values()]) n += await stream.catchUp();
    if (n > 0) this.opts.logger.info({ events: n }, 'caught up from the event log');
    return n;
  }

  /**
   * The safety net for a lost *last* event (no later event reveals the gap):
   * one query for the heads of every tenant with sockets here, then a catch-up
   * of those behind.
   */
  async pollHeads(): Promise<void> {
    if (this.polling || this.streams.size === 0) return;
    this.polling = true;
    try {
      const heads = await this.opts.eventLog.heads([...this.streams.keys()]);
      for (const [tenantId, head] of heads) {
        const stream = this.streams.get(tenantId);
        if (stream && head > stream.cursor) {
          const n = await stream.catchUp();
          if (n > 0)
            this.opts.logger.warn(
              { tenant: tenantId, events: n },
              'events the bus never delivered, read from the log',
            );
        }
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'head poll failed');
    } finally {
      this.polling = false;
    }
  }

  sockets(): TenantSockets[] {
    return [...this.streams.values()].map((s) => ({
      tenantId: s.tenantId,
      sockets: s.connections.size,
      cursor: s.cursor,
      users: [...new Set([...s.connections].map((c) => c.principal.userId))],
    }));
  }

  /** The tenant's sockets on this node: users, channel subscriptions, last client frame. */
  tenantSockets(tenantId: string): TenantSocketStats {
    const conns = [...(this.streams.get(tenantId)?.connections ?? [])];
    const channels: Record<string, number> = Object.fromEntries(
      [...CHANNELS, ...OPT_IN_CHANNELS].map((c) => [c, 0]),
    );
    let lastFrameAt: number | null = null;
    for (const c of conns) {
      for (const ch of c.channelList()) channels[ch] = (channels[ch] ?? 0) + 1;
      lastFrameAt = Math.max(lastFrameAt ?? 0, c.lastFrameAt);
    }
    return {
      count: conns.length,
      users: [...new Set(conns.map((c) => c.principal.userId))],
      channels,
      lastFrameAt,
    };
  }

  /**
   * Writes `json`, a frame that is not a tenant event (no seq, never in the
   * log, never replayed), to this node's sockets of `tenantId` subscribed to
   * the opt-in `channel`; returns how many got it. Diagnostics' probe frames
   * travel this way, so that no default socket sees them or a seq of theirs.
   */
  deliverUnsequenced(tenantId: string, channel: Channel, json: string): number {
    const conns = this.streams.get(tenantId)?.connections;
    if (!conns || conns.size === 0) return 0;
    const frame = textFrame(json);
    let n = 0;
    for (const c of conns) if (c.deliverUnsequenced(channel, frame)) n++;
    return n;
  }

  /** An ephemeral frame (#15) to the tenant's sockets on `presence` on this node, but user `except`'s. */
  deliverEphemeral(tenantId: string, json: string, except?: string): number {
    const conns = this.streams.get(tenantId)?.connections;
    if (!conns || conns.size === 0) return 0;
    const frame = textFrame(json);
    let n = 0;
    for (const c of conns) {
      if (c.principal.userId !== except && c.deliverUnsequenced('presence', frame)) n++;
    }
    return n;
  }

  get socketCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.connections.size;
    return n;
  }

  /** Every open connection of every tenant. */
  connections(): Connection[] {
    return [...this.streams.values()].flatMap((s) => [...s.connections]);
  }

  /** From now on a stream whose last socket leaves is dropped at once, not kept warm. */
  stopLingering(): void {
    this.closing = true;
  }

  /** Drops every stream (the gateway has closed their sockets). */
  dispose(): void {
    for (const t of this.lingering.values()) clearTimeout(t);
    this.lingering.clear();
    for (const s of this.streams.values()) s.dispose();
    this.streams.clear();
  }
}

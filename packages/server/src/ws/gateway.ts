import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CHANNELS,
  type Channel,
  CloseCode,
  CloseReason,
  FrameErrorCode,
  OPT_IN_CHANNELS,
} from '@newton/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  AuthError,
  type EventBus,
  type EventLogReader,
  type EventOrigin,
  type Logger,
  type Principal,
  redactUrl,
  type TenantEvent,
  type TokenVerifier,
} from '../core/index.js';
import { parseSinceParam } from './client-frames.js';
import { Connection, type ConnectionDeps } from './connection.js';
import { FlushScheduler } from './flush-scheduler.js';
import { textFrame } from './frames.js';
import { TenantStream } from './tenant-stream.js';

const PATH = /^\/ws\/conversations\/([^/?#]{1,200})\/?$/;

export interface GatewayOptions {
  eventLog: EventLogReader;
  bus: EventBus;
  tokens: TokenVerifier;
  logger: Logger;
  nodeId: string;
  /** @default 30000 */
  heartbeatIntervalMs: number;
  /** @default 65536 */
  maxFrameBytes: number;
  /** @default 1048576 */
  maxSocketBufferBytes: number;
  /** @default 10 */
  gapGraceMs: number;
  /** Recent events per tenant kept in memory for replays. @default 256 */
  replayCacheEvents: number;
  /** How long a tenant's stream (and its replay cache) outlives its last socket. @default 30000 */
  streamLingerMs: number;
  /** Compare cursors with the log this often (0: never; a lossless in-process bus needs none). @default 2000 */
  headPollMs: number;
  /** Counts deliveries, slow-consumer closes and replays (the node's metrics). */
  observer?: GatewayObserver;
}

/** What the gateway reports as it works; called once per event or per socket event, never per frame. */
export interface GatewayObserver {
  /** One event handed to `sockets` sockets of this node; `publishedAt` from the publisher. */
  delivered(sockets: number, publishedAt: number | undefined): void;
  slowConsumer(): void;
  replayed(source: 'cache' | 'log', events: number): void;
}

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

/**
 * The WebSocket gateway (CONTRACT.md §1): authenticates sockets on
 * `/ws/conversations/{tenant_id}`, keeps one TenantStream per tenant with
 * sockets on this node, and feeds it from the bus.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly streams = new Map<string, TenantStream>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly unReconnect: () => void;
  private readonly headPoll: NodeJS.Timeout | undefined;
  private closing = false;
  private polling = false;
  private readonly lingering = new Map<TenantStream, NodeJS.Timeout>();
  /** What every connection shares, the flush scheduler of this gateway's sockets among it. */
  private readonly connDeps: ConnectionDeps;

  constructor(private readonly opts: GatewayOptions) {
    this.connDeps = {
      flusher: new FlushScheduler(),
      logger: opts.logger,
      maxBufferBytes: opts.maxSocketBufferBytes,
      ...(opts.observer ? { observer: opts.observer } : {}),
    };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.unsubscribe = opts.bus.subscribe((e, origin) => this.onBusEvent(e, origin));
    // Whatever the bus lost while it was away is in the event log.
    this.unReconnect = opts.bus.onReconnect(() => {
      this.catchUpAll().catch((err) => opts.logger.error({ err }, 'catch-up after bus reconnect failed'));
    });
    this.heartbeat = setInterval(() => this.sweep(), opts.heartbeatIntervalMs);
    this.heartbeat.unref();
    if (opts.headPollMs > 0) {
      this.headPoll = setInterval(() => void this.pollHeads(), opts.headPollMs);
      this.headPoll.unref();
    }
  }

  /** Routes HTTP upgrades of `server` to the gateway. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  private onBusEvent(e: TenantEvent, origin: EventOrigin): void {
    this.streams.get(e.tenantId)?.push(e, origin);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://newton.invalid');
    const match = PATH.exec(url.pathname);
    if (!match || this.closing) {
      const status = this.closing ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const tenantId = decodeURIComponent(match[1] ?? '');
    // The 101 answer waits for connection_established (and a replay) to leave
    // in the same write; a refused handshake's socket.end() uncorks by itself.
    socket.cork();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      void this.onSocket(ws, socket, tenantId, url)
        .catch((err) => {
          this.opts.logger.error({ err, tenant: tenantId }, 'socket setup failed');
          ws.terminate();
        })
        // After the flush microtask onSocket queued with its first frame.
        .finally(() => socket.uncork());
    });
  }

  /** `socket`: the upgrade's socket, which ws now writes to (Connection writes frames to it too). */
  private async onSocket(ws: WebSocket, socket: Duplex, tenantId: string, url: URL): Promise<void> {
    const logger = this.opts.logger;
    // Frames a client sends before authentication finishes are kept, not lost.
    const early: [RawData, boolean][] = [];
    const queue = (data: RawData, isBinary: boolean) => early.push([data, isBinary]);
    ws.on('message', queue);
    ws.on('error', (err) => logger.debug({ err, tenant: tenantId }, 'socket error'));

    let principal: Principal;
    try {
      principal = await this.opts.tokens.verify(url.searchParams.get('token'));
    } catch (err) {
      const reason = err instanceof AuthError ? err.reason : CloseReason.UNAUTHORIZED;
      logger.info(
        { tenant: tenantId, reason, detail: (err as Error).message, path: redactUrl(url.pathname) },
        'socket refused',
      );
      ws.close(CloseCode.UNAUTHORIZED, reason);
      return;
    }
    if (!principal.tenants.includes(tenantId)) {
      logger.info({ tenant: tenantId, user: principal.userId }, 'socket refused: tenant not in token');
      ws.close(CloseCode.FORBIDDEN, CloseReason.FORBIDDEN);
      return;
    }
    const since = parseSinceParam(url.searchParams.get('since'));

    const stream = this.acquire(tenantId);
    let conn: Connection | undefined;
    try {
      await stream.ready;
      if (!stream.exists) {
        logger.info({ tenant: tenantId }, 'socket refused: unknown tenant');
        ws.close(CloseCode.UNKNOWN_TENANT, CloseReason.UNKNOWN_TENANT);
        return;
      }
      if (ws.readyState !== ws.OPEN) return;
      conn = new Connection(ws, socket, stream, principal, this.connDeps);
      stream.attach(conn);
    } finally {
      if (!conn) this.release(stream);
    }
    const attached = conn;
    ws.off('message', queue);
    ws.on('message', (data, isBinary) => attached.onFrame(toBuffer(data), isBinary));
    ws.on('pong', () => attached.onPong());
    ws.on('close', (code) => {
      stream.detach(attached);
      this.release(stream);
      logger.info({ conn: attached.id, tenant: tenantId, code }, 'socket closed');
    });

    attached.sendControl({
      type: 'connection_established',
      tenant_id: tenantId,
      connection_id: attached.id,
      user_id: principal.userId,
      channels: [...CHANNELS],
      heartbeat_interval_ms: this.opts.heartbeatIntervalMs,
      last_seq: stream.cursor,
      server_time: new Date().toISOString(),
      node_id: this.opts.nodeId,
    });
    logger.info(
      { conn: attached.id, tenant: tenantId, user: principal.userId, since, last_seq: stream.cursor },
      'socket connected',
    );
    if (since === 'invalid') {
      attached.sendError(FrameErrorCode.INVALID_PAYLOAD, '"since" must be a non-negative integer seq');
    } else if (since !== undefined) {
      void attached.resume(since);
    }
    for (const [data, isBinary] of early) attached.onFrame(toBuffer(data), isBinary);
  }

  private acquire(tenantId: string): TenantStream {
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
  private release(stream: TenantStream): void {
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

  /** Protocol pings; drops peers that did not answer the last one and sockets whose token expired. */
  private sweep(): void {
    const nowS = Date.now() / 1000;
    for (const stream of this.streams.values()) {
      for (const conn of stream.connections) conn.heartbeat(nowS);
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
  private async pollHeads(): Promise<void> {
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

  get socketCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.connections.size;
    return n;
  }

  /** Refuses new sockets (503 on upgrade) while open ones keep working. */
  stopAccepting(): void {
    this.closing = true;
  }

  /**
   * Stops accepting sockets and closes the open ones with `code` (1012 on a
   * restart, so clients reconnect elsewhere and resume with `since`).
   */
  async close(code: number = CloseCode.SERVICE_RESTART, timeoutMs = 2000): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    clearInterval(this.headPoll);
    this.unsubscribe();
    this.unReconnect();
    const all = [...this.streams.values()].flatMap((s) => [...s.connections]);
    const reason = code === CloseCode.SERVICE_RESTART ? CloseReason.SERVICE_RESTART : 'shutdown';
    const closed = all.map((c) => c.close(code, reason));
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.all(closed), timer]);
    for (const c of all) c.terminate();
    for (const t of this.lingering.values()) clearTimeout(t);
    this.lingering.clear();
    for (const s of this.streams.values()) s.dispose();
    this.streams.clear();
    this.wss.close();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

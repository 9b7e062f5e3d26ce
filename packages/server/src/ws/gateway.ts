import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CHANNELS, type Channel, CloseCode, CloseReason, FrameErrorCode } from '@newton/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { AuthError, type EventOrigin, type Principal, redactUrl, type TenantEvent } from '../core/index.js';
import { parseSinceParam } from './client-frames.js';
import { Connection, type ConnectionDeps, HEARTBEAT_SLICES } from './connection.js';
import { FlushScheduler } from './flush-scheduler.js';
import type { GatewayOptions } from './gateway-options.js';
import { LiveFrames } from './live.js';
import { type TenantSocketStats, type TenantSockets, TenantStreams } from './tenant-streams.js';

const PATH = /^\/ws\/conversations\/([^/?#]{1,200})\/?$/;

/**
 * The WebSocket gateway (docs/protocol.md): authenticates sockets on
 * `/ws/conversations/{tenant_id}`, keeps one TenantStream per tenant with
 * sockets on this node, and feeds it from the bus.
 */
export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly streams: TenantStreams;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly unReconnect: () => void;
  private readonly headPoll: NodeJS.Timeout | undefined;
  private closing = false;
  /** What every connection shares, the flush scheduler of this gateway's sockets among it. */
  private readonly connDeps: ConnectionDeps;
  /** Presence and typing (#15), when the gateway was given a conversation lookup. */
  readonly live: LiveFrames | undefined;

  constructor(private readonly opts: GatewayOptions) {
    this.streams = new TenantStreams(opts);
    this.live = opts.conversations
      ? new LiveFrames({
          bus: opts.bus,
          nodeId: opts.nodeId,
          ttlMs: opts.presenceTtlMs ?? 30_000,
          lookup: opts.conversations,
          logger: opts.logger,
          deliverLocal: (t, json, except) => this.streams.deliverEphemeral(t, json, except),
        })
      : undefined;
    this.connDeps = {
      flusher: new FlushScheduler(),
      logger: opts.logger,
      maxBufferBytes: opts.maxSocketBufferBytes,
      ...(opts.observer ? { observer: opts.observer } : {}),
      ...(this.live ? { live: this.live } : {}),
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
    // A slice of the sockets per tick: each is pinged once per interval, not all at once (connection.ts).
    this.heartbeat = setInterval(
      () => this.streams.sweep(),
      Math.max(1, opts.heartbeatIntervalMs / HEARTBEAT_SLICES),
    );
    this.heartbeat.unref();
    if (opts.headPollMs > 0) {
      this.headPoll = setInterval(() => void this.streams.pollHeads(), opts.headPollMs);
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

    const stream = this.streams.acquire(tenantId);
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
      if (!conn) this.streams.release(stream);
    }
    const attached = conn;
    ws.off('message', queue);
    ws.on('message', (data, isBinary) => attached.onFrame(toBuffer(data), isBinary));
    ws.on('pong', () => attached.onPong());
    ws.on('close', (code) => {
      this.live?.disconnected(attached);
      stream.detach(attached);
      this.streams.release(stream);
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
    // The agent is online now (its sockets learn who else is when they join `presence`).
    this.live?.connected(attached);
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

  /**
   * Closes every socket of `userId` in `tenantId` on this node with `code`
   * (a disabled user: 4401 `user_disabled`); returns how many.
   */
  closeUser(tenantId: string, userId: string, code: number, reason: string): number {
    const conns = [...(this.streams.get(tenantId)?.connections ?? [])].filter(
      (c) => c.principal.userId === userId,
    );
    for (const c of conns) void c.close(code, reason);
    return conns.length;
  }

  /** Catches every tenant stream up from the event log (after the bus lost messages). */
  catchUpAll(): Promise<number> {
    return this.streams.catchUpAll();
  }

  sockets(): TenantSockets[] {
    return this.streams.sockets();
  }

  /** The tenant's sockets on this node: users, channel subscriptions, last client frame. */
  tenantSockets(tenantId: string): TenantSocketStats {
    return this.streams.tenantSockets(tenantId);
  }

  /** See TenantStreams.deliverUnsequenced: diagnostics' probe frames, on an opt-in channel only. */
  deliverUnsequenced(tenantId: string, channel: Channel, json: string): number {
    return this.streams.deliverUnsequenced(tenantId, channel, json);
  }

  get socketCount(): number {
    return this.streams.socketCount;
  }

  /** Refuses new sockets (503 on upgrade) while open ones keep working. */
  stopAccepting(): void {
    this.closing = true;
    this.streams.stopLingering();
  }

  /**
   * Stops accepting sockets and closes the open ones with `code` (1012 on a
   * restart, so clients reconnect elsewhere and resume with `since`).
   */
  async close(code: number = CloseCode.SERVICE_RESTART, timeoutMs = 2000): Promise<void> {
    this.closing = true;
    this.streams.stopLingering();
    clearInterval(this.heartbeat);
    clearInterval(this.headPoll);
    this.unsubscribe();
    this.unReconnect();
    const all = this.streams.connections();
    const reason = code === CloseCode.SERVICE_RESTART ? CloseReason.SERVICE_RESTART : 'shutdown';
    const closed = all.map((c) => c.close(code, reason));
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.all(closed), timer]);
    for (const c of all) c.terminate();
    this.streams.dispose();
    this.live?.close();
    this.wss.close();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

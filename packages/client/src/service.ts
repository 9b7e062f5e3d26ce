/**
 * `WebSocketService`: one tenant's Newton socket for a frontend, kept alive,
 * resumed without loss or duplicates, and honest about its state. The parts
 * live in their own files; this one decides what happens next.
 */
import {
  CHANNELS,
  type ClientFrame,
  type ConnectionEstablishedFrame,
  EVENT_CHANNEL,
  type ServerFrame,
  type TenantEvent,
} from '@newton/protocol';
import { backoffDelay } from './backoff.js';
import { CLIENT_CLOSE, Connection, classifyClose, socketUrl } from './connection.js';
import { createDebug, logger } from './debug.js';
import { Emitter, type ServiceEvents } from './emitter.js';
import { Environment } from './environment.js';
import { EventStream } from './event-stream.js';
import { Liveness } from './liveness.js';
import { type ResolvedOptions, resolveOptions, type WebSocketServiceOptions } from './options.js';
import { SendQueue, type SendResult } from './send-queue.js';
import { type ConnectionState, type Readable, StateMachine } from './state.js';

/** What the service itself yields as a store (`$service.state` in Svelte). */
export interface ServiceSnapshot {
  state: ConnectionState;
}

export class WebSocketService {
  /** The connection state as a store: `state.get()`, `state.subscribe(fn)`. */
  readonly state: Readable<ConnectionState>;
  private readonly machine = new StateMachine();
  private readonly emitter = new Emitter<ServiceEvents>();
  private readonly opts: ResolvedOptions;
  private readonly log: (line: string, ...details: unknown[]) => void;
  private readonly stream: EventStream;
  private readonly queue: SendQueue;
  private readonly env: Environment;
  private conn: Connection | undefined;
  /** `since` the current socket was opened with. */
  private connSince: number | null = null;
  private liveness: Liveness | undefined;
  private pingIntervalMs = 30_000;
  private reconnectTimer: unknown;
  private connectTimer: unknown;
  private stableTimer: unknown;
  /** Reconnect attempts since the last stable connection. */
  private attempt = 0;
  /** A 4401 was answered with one retry; reset once a connection is stable. */
  private authRetried = false;
  /** Bumped whenever an attempt is abandoned, so its late getToken result is ignored. */
  private generation = 0;
  private destroyed = false;

  constructor(options: WebSocketServiceOptions) {
    this.opts = resolveOptions(options);
    if (!this.opts.WebSocket) throw new Error('WebSocketService: no WebSocket; pass options.WebSocket');
    this.log = logger(createDebug(options.debug));
    this.stream = new EventStream(this.opts.since, this.opts.dedupeWindow);
    this.queue = new SendQueue(this.opts.queueEnabled, this.opts.queueMax, (drop) => {
      this.log(`Dropped a frame (${drop.reason}): ${JSON.stringify(drop.frame)}`);
      this.emitter.emit('dropped', drop);
    });
    this.env = new Environment(this.opts.window, this.opts.document, this.opts.clock, {
      online: () => this.onOnline(),
      offline: () => this.onOffline(),
      visible: (hiddenForMs) => this.onVisible(hiddenForMs),
    });
    this.state = { get: this.machine.get, subscribe: this.machine.subscribe };
  }

  /** Highest seq received (what the next connection resumes from); null before the first connection. */
  get lastSeq(): number | null {
    return this.stream.lastSeq;
  }

  /** Svelte store contract on the service itself, so `$service.state` works. */
  readonly subscribe = (fn: (snapshot: ServiceSnapshot) => void): (() => void) =>
    this.machine.subscribe((state) => fn({ state }));

  /** Adds a handler; returns the function that removes it. */
  on<K extends keyof ServiceEvents>(type: K, handler: (payload: ServiceEvents[K]) => void): () => void {
    return this.emitter.on(type, handler);
  }

  /** Starts; retries now while reconnecting/offline; a no-op while connecting/open; afresh after a stop. */
  connect(): void {
    if (this.destroyed) throw new Error('WebSocketService: destroyed');
    const status = this.machine.status;
    if (status === 'connecting' || status === 'open') return;
    if (status !== 'reconnecting' && status !== 'offline') {
      this.attempt = 0;
      this.authRetried = false;
    }
    this.env.attach();
    this.attemptNow(false);
  }

  /** Closes the socket and stays closed: no reconnect until `connect()`. Queued frames are dropped (and reported). */
  disconnect(): void {
    this.teardown(1000, 'client_disconnect');
    this.env.detach();
    this.queue.clear();
    if (this.machine.status !== 'closed') this.setState({ status: 'closed' });
  }

  /** `disconnect()`, then removes every listener and handler; the service cannot be used again. */
  destroy(): void {
    if (this.destroyed) return;
    this.disconnect();
    this.destroyed = true;
    this.emitter.clear();
    this.machine.clear();
  }

  /**
   * Sends a frame on the live socket. While not connected the frame is queued
   * (when `sendQueue.enabled`) or dropped; either way nothing is silent.
   */
  send(frame: ClientFrame): SendResult {
    if (this.machine.status === 'open') this.liveness?.check();
    if (this.machine.status === 'open' && this.transmit(frame)) return 'sent';
    if (this.destroyed) return 'dropped';
    return this.queue.push(frame) ? 'queued' : 'dropped';
  }

  /** Number of handlers added with `on()` (0 after `destroy()`). */
  listenerCount(type?: keyof ServiceEvents): number {
    return this.emitter.count(type);
  }

  // ---- attempts -------------------------------------------------------------

  private attemptNow(refresh: boolean): void {
    this.teardown(CLIENT_CLOSE, 'replaced');
    if (!this.opts.isOnline()) {
      if (this.machine.status !== 'offline') this.setState({ status: 'offline' });
      return;
    }
    const gen = this.generation;
    this.connectTimer = this.opts.clock.setTimeout(() => this.onConnectTimeout(), this.opts.connectTimeoutMs);
    this.setState({ status: 'connecting', attempt: this.attempt });
    Promise.resolve()
      .then(() => this.opts.getToken({ refresh }))
      .then(
        (token) => {
          if (gen !== this.generation) return;
          if (typeof token === 'string' && token !== '') return this.openSocket(token);
          this.log('getToken returned no token; stopping');
          this.halt({ status: 'unauthorized', reason: 'get_token_failed' });
        },
        (err: unknown) => {
          if (gen !== this.generation) return;
          this.log('getToken failed; stopping', err);
          this.halt({ status: 'unauthorized', reason: 'get_token_failed' });
        },
      )
      .catch((err: unknown) => {
        if (gen !== this.generation) return;
        this.log('Could not open a socket', err);
        this.retry(CLIENT_CLOSE, 'open_failed');
      });
  }

  private openSocket(token: string): void {
    const since = this.stream.lastSeq;
    const url = socketUrl(this.opts.baseUrl, this.opts.tenantId, token, since);
    this.log(`Connecting to ${url}`);
    const conn: Connection = new Connection(this.opts.WebSocket!, url, {
      frame: (frame, raw) => this.onFrame(conn, frame, raw),
      close: (code, reason) => this.onClose(conn, code, reason),
      invalid: (raw) => this.log('Ignored a frame that is not a JSON object', raw),
    });
    this.conn = conn;
    this.connSince = since;
  }

  /** Stops the current attempt or socket and every timer. */
  private teardown(code: number, reason: string): void {
    this.generation++;
    const clock = this.opts.clock;
    clock.clearTimeout(this.reconnectTimer);
    clock.clearTimeout(this.connectTimer);
    clock.clearTimeout(this.stableTimer);
    this.reconnectTimer = this.connectTimer = this.stableTimer = undefined;
    this.liveness?.stop();
    this.liveness = undefined;
    const conn = this.conn;
    this.conn = undefined;
    conn?.abandon(code, reason);
  }

  /** Closes the current socket ourselves and reconnects (stale socket, connect timeout). */
  private replace(reason: string): void {
    const established = this.machine.status === 'open';
    this.teardown(CLIENT_CLOSE, reason);
    this.emitter.emit('close', { code: CLIENT_CLOSE, reason, established });
    this.retry(CLIENT_CLOSE, reason);
  }

  /** Reconnect with backoff. */
  private retry(code: number, reason: string): void {
    this.attempt++;
    const { backoffBaseMs, backoffMaxMs, random } = this.opts;
    this.schedule(backoffDelay(this.attempt, backoffBaseMs, backoffMaxMs, random), code, reason, false);
  }

  private schedule(delay: number, code: number, reason: string, refresh: boolean): void {
    this.teardown(code, reason);
    const clock = this.opts.clock;
    this.reconnectTimer = clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.attemptNow(refresh);
    }, delay);
    this.log(`Reconnecting in ${delay} ms (attempt ${this.attempt}) after ${code} ${reason}`);
    this.setState({
      status: 'reconnecting',
      attempt: this.attempt,
      nextAt: clock.now() + delay,
      code,
      reason,
    });
  }

  /** A terminal state: no more attempts until `connect()`. */
  private halt(state: Extract<ConnectionState, { status: 'unauthorized' | 'forbidden' }>): void {
    this.teardown(1000, state.reason);
    this.env.detach();
    this.queue.clear();
    this.log(`Stopped: ${state.status} (${state.reason})`);
    this.setState(state);
  }

  private onConnectTimeout(): void {
    this.log(`No connection_established within ${this.opts.connectTimeoutMs} ms`);
    this.replace('connect_timeout');
  }

  // ---- socket events --------------------------------------------------------

  private onFrame(conn: Connection, frame: ServerFrame, raw: string): void {
    if (conn !== this.conn) return;
    this.log(`📨 Raw incoming data: ${raw}`);
    this.liveness?.heard();
    this.emitter.emit('frame', frame);
    if (typeof (frame as { seq?: unknown }).seq === 'number' && frame.type !== 'resync_required') {
      this.onEvent(conn, frame as TenantEvent);
      return;
    }
    switch (frame.type) {
      case 'connection_established':
        this.onEstablished(conn, frame);
        return;
      case 'resumed':
        this.stream.resumed();
        this.emitter.emit('resumed', frame);
        return;
      case 'resync_required':
        this.log(`Resync required (${frame.reason}); continuing from seq ${frame.last_seq}`);
        this.stream.resync(frame);
        this.emitter.emit('resync', frame);
        return;
      case 'subscribed':
      case 'unsubscribed':
        this.stream.channels = frame.channels;
        return;
      case 'error':
        this.emitter.emit('error', frame);
        return;
      default: // presence and typing (ephemeral, no seq): emitted by their type
        this.emitter.emit(frame.type as never, frame as never);
    }
  }

  private onEstablished(conn: Connection, frame: ConnectionEstablishedFrame): void {
    const clock = this.opts.clock;
    clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.stream.established(frame.last_seq, this.connSince);
    this.pingIntervalMs = this.opts.pingIntervalMs ?? (frame.heartbeat_interval_ms || 30_000);
    this.liveness = new Liveness(
      clock,
      this.pingIntervalMs,
      this.opts.pongTimeoutMs,
      () => {
        conn.send('{"type":"ping"}');
      },
      (overdueMs) => {
        this.log(
          `No pong within ${this.opts.pongTimeoutMs} ms (noticed ${overdueMs} ms late); replacing the socket`,
        );
        this.replace('pong_timeout');
      },
    );
    this.stableTimer = clock.setTimeout(() => {
      this.attempt = 0;
      this.authRetried = false;
    }, this.opts.stableAfterMs);
    this.log(`Connected (connection ${frame.connection_id}, since ${this.connSince ?? 'live'})`);
    this.setState({ status: 'open', connectionId: frame.connection_id, userId: frame.user_id });
    if (conn !== this.conn) return;
    // A new socket is on every default channel: narrow it again to what the app chose,
    // and ask again for the opt-in channels (`diagnostics`) it had subscribed to.
    const missing = CHANNELS.filter((c) => !this.stream.channels.includes(c));
    if (missing.length > 0) this.transmit({ type: 'unsubscribe', channels: missing });
    const extra = this.stream.channels.filter((c) => !(CHANNELS as readonly string[]).includes(c));
    if (extra.length > 0) this.transmit({ type: 'subscribe', channels: extra });
    this.queue.flush((f) => this.transmit(f as ClientFrame));
    this.emitter.emit('connected', frame);
  }

  private onEvent(conn: Connection, event: TenantEvent): void {
    const verdict = this.stream.accept(event);
    if (verdict === 'duplicate') {
      this.log(`Duplicate event dropped (seq ${event.seq})`);
    } else if (verdict === 'gap') {
      if (this.stream.resuming) return;
      this.log(`Seq jump ${this.stream.lastSeq} → ${event.seq}; resuming`);
      this.stream.resuming = true;
      conn.send(JSON.stringify({ type: 'resume', since: this.stream.lastSeq }));
    } else {
      const channel = EVENT_CHANNEL[event.type];
      if (channel && !this.stream.channels.includes(channel)) return;
      this.emitter.emit(event.type, event as never);
      this.emitter.emit('event', event);
    }
  }

  private onClose(conn: Connection, code: number, reason: string): void {
    if (conn !== this.conn) return;
    const established = this.machine.status === 'open';
    this.conn = undefined;
    this.log(`Closed: ${code} ${reason}`);
    this.emitter.emit('close', { code, reason, established });
    if (this.conn !== undefined || this.machine.status === 'closed') return; // a handler acted
    switch (classifyClose(code)) {
      case 'forbidden':
        this.halt({
          status: 'forbidden',
          reason: reason || (code === 4404 ? 'unknown_tenant' : 'forbidden'),
        });
        return;
      case 'auth':
        if (this.authRetried) {
          this.halt({ status: 'unauthorized', reason: reason || 'unauthorized' });
        } else {
          this.authRetried = true;
          this.schedule(0, code, reason, true);
        }
        return;
      case 'restart':
        this.attempt++;
        this.schedule(Math.floor(this.opts.random() * this.opts.restartJitterMs), code, reason, false);
        return;
      default:
        this.retry(code, reason);
    }
  }

  private transmit(frame: ClientFrame): boolean {
    const data = JSON.stringify(frame);
    if (!this.conn?.send(data)) return false;
    this.log(`📤 Sent: ${data}`);
    if (frame.type === 'resume') this.stream.resuming = true;
    return true;
  }

  // ---- environment ----------------------------------------------------------

  private onOffline(): void {
    const status = this.machine.status;
    if (status !== 'connecting' && status !== 'open' && status !== 'reconnecting') return;
    this.log('Browser is offline');
    const established = status === 'open';
    this.teardown(1000, 'offline');
    if (established) this.emitter.emit('close', { code: 1000, reason: 'offline', established });
    this.setState({ status: 'offline' });
  }

  private onOnline(): void {
    const status = this.machine.status;
    this.log('Browser is online');
    if (status === 'offline' || status === 'reconnecting') this.attemptNow(false);
    else if (status === 'open') this.liveness?.probe();
  }

  private onVisible(hiddenForMs: number | undefined): void {
    const status = this.machine.status;
    if (status === 'reconnecting') {
      this.attemptNow(false);
    } else if (status === 'open') {
      if (hiddenForMs === undefined || hiddenForMs >= this.pingIntervalMs) this.liveness?.probe();
      else this.liveness?.check();
    }
  }

  private setState(state: ConnectionState): void {
    const from = this.machine.status;
    this.machine.to(state);
    if (from !== state.status) this.log(`State: ${from} → ${state.status}`);
    this.emitter.emit('state', state);
  }
}

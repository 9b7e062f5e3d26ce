import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  CHANNELS,
  type Channel,
  CloseCode,
  CloseReason,
  FrameErrorCode,
  type FrameErrorCodeValue,
  OPT_IN_CHANNELS,
  type ServerControlFrame,
} from '@newton/protocol';
import { WebSocket } from 'ws';
import type { Logger, Principal } from '../core/index.js';
import { parseClientFrame } from './client-frames.js';
import type { Flushable, FlushScheduler } from './flush-scheduler.js';
import type { FramedEvent, ReplaySource } from './framed-event.js';
import { textFrame } from './frames.js';
import type { LiveHooks } from './live.js';

/** Default channels, then opt-in ones: a channel's bit is its index here. */
const EVERY_CHANNEL: readonly Channel[] = [...CHANNELS, ...OPT_IN_CHANNELS];
const bit = (c: Channel): number => 1 << EVERY_CHANNEL.indexOf(c);
/** What a new socket is on: the default channels (opt-in ones only when asked for). */
const DEFAULT_CHANNELS = CHANNELS.reduce((bits, c) => bits | bit(c), 0);

/** How long a slow consumer's close handshake may take before the socket is dropped. */
const SLOW_CONSUMER_GRACE_MS = 2000;

/**
 * Above this many queued bytes a flush hands the frames to the kernel as they
 * are (one writev) instead of copying them into one buffer first.
 */
const COPY_LIMIT_BYTES = 16 * 1024;

/** Events read from the log per query while replaying. */
const REPLAY_PAGE = 500;

/** What every connection of a gateway shares. */
export interface ConnectionDeps {
  flusher: FlushScheduler;
  logger: Logger;
  maxBufferBytes: number;
  /** Counts slow-consumer closes and replays. */
  observer?: { slowConsumer(): void; replayed(source: 'cache' | 'log', events: number): void };
  /** Presence and typing frames from the client (#15); without it they are ignored. */
  live?: LiveHooks;
}

/**
 * Slices of the heartbeat (tenant-streams.ts `sweep`): a tick every interval
 * / HEARTBEAT_SLICES pings one slice, so a node's sockets are pinged across
 * the interval instead of all in one turn of the event loop, where 1,000
 * pings and then their 1,000 pongs held up the webhooks of that moment
 * (issue #16, docs/benchmarks.md).
 * @default 16
 */
export const HEARTBEAT_SLICES = 16;
let nextSlice = 0;

/**
 * One agent socket. Delivery is by seq: `position` is the last seq this socket
 * has been given or skipped, so a live event at or below it is never sent
 * twice, and a replay from the log hands over to live events without a gap.
 */
export class Connection implements Flushable {
  readonly id = randomUUID();
  /** Which tick of the heartbeat pings this socket: sockets take the slices in turn. */
  readonly heartbeatSlice = nextSlice++ % HEARTBEAT_SLICES;
  /** Subscribed channels as bits of EVERY_CHANNEL's indexes (a Set costs ~200 bytes per socket). */
  private channelBits = DEFAULT_CHANNELS;
  private position = 0;
  /** Heard from since the last heartbeat sweep. */
  private alive = true;
  private lastFrame = Date.now();
  private replaying = false;
  /** Live events that arrived while replaying, delivered after the replay. */
  private pending: FramedEvent[] | undefined;
  /** Frames queued this turn; written in one go by flush(). */
  private outbox: Buffer[] | undefined;
  private outboxBytes = 0;

  /**
   * `socket` is the TCP socket under `ws` (the one its upgrade came on):
   * frames are written to it directly, whole (see frames.ts), and its buffer
   * tells a slow consumer.
   */
  constructor(
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly source: ReplaySource,
    readonly principal: Principal,
    private readonly deps: ConnectionDeps,
  ) {}

  get tenantId(): string {
    return this.source.tenantId;
  }

  /** Latest frame from the client (epoch ms). */
  get lastFrameAt(): number {
    return this.lastFrame;
  }

  /** Live delivery begins after `seq` (the stream's cursor when the socket is attached). */
  startAfter(seq: number): void {
    this.position = seq;
  }

  /**
   * Live delivery from the tenant stream, called in seq order. `afterIo`:
   * the write may wait for the event loop to read its pending I/O once more
   * (a fan-out to many sockets; see FlushScheduler).
   */
  deliver(event: FramedEvent, afterIo = false): boolean {
    if (this.replaying) {
      this.pending ??= [];
      this.pending.push(event);
      return false;
    }
    return this.deliverNow(event, afterIo);
  }

  private deliverNow(event: FramedEvent, afterIo = false): boolean {
    if (event.seq <= this.position) return false;
    this.position = event.seq;
    if (!this.subscribed(event.channel)) return false;
    return this.write(event.frame, afterIo);
  }

  /**
   * A frame outside the seq order (an opt-in channel's, e.g. a diagnostics
   * probe's `probe_event`): written only when the socket subscribed to
   * `channel`; the socket's position in the tenant's seq is untouched.
   */
  deliverUnsequenced(channel: Channel, frame: Buffer): boolean {
    if (!this.subscribed(channel)) return false;
    return this.write(frame);
  }

  /** Queues one complete frame (see frames.ts) for this turn's write (`afterIo`: see FlushScheduler). */
  private write(frame: Buffer, afterIo = false): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.outbox) {
      this.outbox.push(frame);
      this.outboxBytes += frame.length;
    } else {
      this.outbox = [frame];
      this.outboxBytes = frame.length;
      this.deps.flusher.schedule(this, afterIo);
    }
    return true;
  }

  /** Writes the queued frames, closing the socket when the peer stopped reading. */
  flush(): void {
    const out = this.outbox;
    this.outbox = undefined;
    const socket = this.socket;
    if (!out || this.ws.readyState !== WebSocket.OPEN) return;
    if (socket.writableLength > this.deps.maxBufferBytes) {
      this.deps.logger.warn(
        { conn: this.id, tenant: this.tenantId, buffered: socket.writableLength },
        'slow consumer: closing socket',
      );
      this.deps.observer?.slowConsumer();
      this.ws.close(CloseCode.SLOW_CONSUMER, CloseReason.SLOW_CONSUMER);
      // A peer that reads nothing never acknowledges the close; free its buffer soon.
      setTimeout(() => this.ws.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
      return;
    }
    if (out.length === 1) socket.write(out[0] as Buffer);
    else if (this.outboxBytes <= COPY_LIMIT_BYTES) socket.write(Buffer.concat(out, this.outboxBytes));
    else {
      // Big buffers (a shared replay) go out without a copy: one writev.
      socket.cork();
      for (const b of out) socket.write(b);
      socket.uncork();
    }
  }

  /** Writes what is queued and resolves once the socket's buffer is below half the limit. */
  private drained(): Promise<void> {
    this.flush();
    const socket = this.socket;
    if (socket.destroyed || socket.writableLength <= this.deps.maxBufferBytes / 2) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  sendControl(frame: ServerControlFrame): void {
    this.write(textFrame(JSON.stringify(frame)));
  }

  sendError(code: FrameErrorCodeValue, message: string): void {
    this.sendControl({ type: 'error', code, message });
  }

  /** A text or binary frame from the client. */
  onFrame(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    this.lastFrame = Date.now();
    if (isBinary) {
      this.sendError(FrameErrorCode.BINARY_NOT_SUPPORTED, 'send JSON text frames');
      return;
    }
    const parsed = parseClientFrame(data.toString('utf8'));
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.message);
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case 'ping':
        this.sendControl({
          type: 'pong',
          ...(frame.id !== undefined ? { id: frame.id } : {}),
          server_time: new Date().toISOString(),
        });
        return;
      case 'subscribe': {
        const joined = !this.subscribed('presence') && frame.channels.includes('presence');
        for (const c of frame.channels) this.channelBits |= bit(c);
        this.sendControl({ type: 'subscribed', channels: this.channelList() });
        if (joined) this.deps.live?.joined(this);
        return;
      }
      case 'unsubscribe':
        for (const c of frame.channels) this.channelBits &= ~bit(c);
        this.sendControl({ type: 'unsubscribed', channels: this.channelList() });
        return;
      case 'resume':
        void this.resume(frame.since);
        return;
      case 'presence':
      case 'typing':
        this.deps.live?.onFrame(this, frame);
        return;
    }
  }

  /** A protocol pong: the peer is there. */
  onPong(): void {
    this.alive = true;
  }

  /**
   * The heartbeat: closes the socket once its token expired, drops a peer
   * that did not answer the last ping, pings the others.
   */
  heartbeat(nowS: number): void {
    if (this.principal.exp <= nowS) {
      this.ws.close(CloseCode.UNAUTHORIZED, CloseReason.TOKEN_EXPIRED);
    } else if (!this.alive) {
      this.deps.logger.info({ conn: this.id, tenant: this.tenantId }, 'peer stopped answering pings');
      this.ws.terminate();
    } else {
      this.alive = false;
      this.ws.ping();
    }
  }

  /** Closes with `code` after the frames still queued; resolves once the socket is closed. */
  close(code: number, reason: string): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.flush(); // frames still waiting for a deferred flush go before the close frame
      this.ws.close(code, reason);
    });
  }

  /** Drops the socket without a close handshake, unless it is closed already. */
  terminate(): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  channelList(): Channel[] {
    return EVERY_CHANNEL.filter((c) => this.subscribed(c));
  }

  subscribed(channel: Channel): boolean {
    return (this.channelBits & bit(channel)) !== 0;
  }

  /**
   * Replays the tenant's events after `since` from the log, then `resumed`,
   * then the live events that arrived meanwhile. Switches to replay mode
   * synchronously, so no live event can overtake the replay.
   */
  async resume(since: number): Promise<void> {
    if (this.replaying) {
      this.sendError(FrameErrorCode.RESUME_IN_PROGRESS, 'a resume is already replaying');
      return;
    }
    // Opt-in channels carry no logged events: a socket on every default channel shares the prebuilt replay.
    const onEvery = (this.channelBits & DEFAULT_CHANNELS) === DEFAULT_CHANNELS;
    const blob = onEvery ? this.source.replayAllAfter(since) : undefined;
    if (blob) {
      // Frames and `resumed` prebuilt once for every socket resuming from `since`.
      const written = this.write(blob.buf);
      this.position = blob.to;
      this.deps.observer?.replayed('cache', written ? blob.count : 0);
      return;
    }
    const cached = this.source.cachedAfter(since);
    if (cached) {
      // All in memory: replayed synchronously, so no live event can interleave.
      let count = 0;
      for (const e of cached) if (this.subscribed(e.channel) && this.write(e.frame)) count++;
      const to = cached.at(-1)?.seq ?? since;
      this.position = to;
      this.sendControl({ type: 'resumed', from: since + 1, to, count });
      this.deps.observer?.replayed('cache', count);
      return;
    }
    this.replaying = true;
    this.pending = undefined;
    try {
      await this.replay(since);
      await this.handOver();
    } catch (err) {
      this.deps.logger.error({ err, conn: this.id, tenant: this.tenantId, since }, 'replay failed');
      this.sendError(FrameErrorCode.RESUME_FAILED, 'could not read the event log; reconnect with since');
      // Written now: once closing, a socket's queued frames are dropped.
      this.flush();
      // The socket cannot know what it missed: make the client reconnect and resume again.
      this.ws.close(CloseCode.INTERNAL_ERROR, CloseReason.RESUME_FAILED);
      return;
    } finally {
      this.replaying = false;
      // Filled by deliver() after handOver's last look (or before the replay failed).
      const pending = (this.pending as FramedEvent[] | undefined) ?? [];
      this.pending = undefined;
      for (const e of pending) this.deliverNow(e);
    }
  }

  private async replay(since: number): Promise<void> {
    const state = await this.source.logState();
    if (!state) {
      this.ws.close(CloseCode.UNKNOWN_TENANT, CloseReason.UNKNOWN_TENANT);
      return;
    }
    if (since > state.lastSeq || since < state.prunedThrough) {
      this.position = Math.max(this.position, state.lastSeq);
      this.sendControl({
        type: 'resync_required',
        reason: since > state.lastSeq ? 'ahead_of_log' : 'history_pruned',
        since,
        earliest_since: state.prunedThrough,
        last_seq: state.lastSeq,
      });
      return;
    }
    let cursor = since;
    let count = 0;
    // Everything up to here came before this socket's live events: the replay must reach it.
    const mustReach = this.position;
    for (;;) {
      let page = await this.source.readLogPage(cursor, REPLAY_PAGE, true);
      // A shared read begun before this socket joined may end short of it: read afresh.
      if (page.length < REPLAY_PAGE && (page.at(-1)?.seq ?? cursor) < mustReach) {
        page = await this.source.readLogPage(cursor, REPLAY_PAGE, false);
      }
      for (const e of page) {
        if (this.subscribed(e.channel) && this.write(e.frame)) count++;
        cursor = e.seq;
      }
      if (page.length < REPLAY_PAGE || this.ws.readyState !== WebSocket.OPEN) break;
      // A backlog is sent at the pace the client reads it: the next page waits
      // until this one has left the socket's buffer.
      await this.drained();
    }
    this.position = cursor;
    this.sendControl({ type: 'resumed', from: since + 1, to: cursor, count });
    this.deps.observer?.replayed('log', count);
    this.deps.logger.info(
      { conn: this.id, tenant: this.tenantId, from: since + 1, to: cursor, count },
      'replayed events from the log',
    );
  }

  /**
   * The live events that arrived during the replay, at the same pace: each
   * batch once what was written before has left the socket's buffer. Live
   * delivery (and its slow-consumer check) then starts from a buffer below
   * half the limit, so the tail of a replay a reading client is still taking
   * in is not mistaken for a client that stopped reading.
   */
  private async handOver(): Promise<void> {
    for (;;) {
      await this.drained();
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) return;
      for (const e of pending) this.deliverNow(e);
    }
  }
}

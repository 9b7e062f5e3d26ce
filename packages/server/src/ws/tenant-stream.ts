import { type Channel, EVENT_CHANNEL, type EventType, type ServerControlFrame } from '@newton/protocol';
import type { EventLogReader, EventOrigin, Logger, TenantEvent } from '../core/index.js';
import type { Connection } from './connection.js';
import { textFrame } from './frames.js';

interface Incoming {
  seq: number;
  type: EventType;
  frame: string;
  traceId?: string | undefined;
  /** Epoch ms the publisher handed it to the bus (absent when read from the log). */
  publishedAt?: number | undefined;
}

/** An event kept in memory with its frame built, for replays. */
export interface CachedEvent {
  seq: number;
  channel: Channel;
  frame: Buffer;
}

/** A logged event with its frame built, ready for replays. */
export function cachedEvent(e: TenantEvent): CachedEvent {
  return { seq: e.seq, channel: EVENT_CHANNEL[e.type], frame: textFrame(e.frame) };
}

/** A whole replay for a socket on every channel: the frames after a `since`, then `resumed`, in one buffer. */
export interface ReplayBlob {
  buf: Buffer;
  /** Last seq replayed (`since` when there was nothing to replay). */
  to: number;
  /** Events replayed. */
  count: number;
}

/** Replay blobs kept at once (one per distinct `since`; dropped with every new event). */
const MAX_BLOBS = 8;
/** Log pages read for replays are shared this long, and this many at most. */
const LOG_PAGE_TTL_MS = 5000;
const MAX_LOG_PAGES = 8;

export interface StreamDeps {
  log: EventLogReader;
  logger: Logger;
  gapGraceMs: number;
  /** Recent events kept in memory for replays (0: none). @default 256 */
  replayCacheEvents: number;
  /** Reports each event handed to sockets: its seq and how many sockets got it. */
  onDelivered?: (event: Incoming & { tenantId: string; sockets: number }) => void;
}

const FILL_PAGE = 1000;
/**
 * From this many sockets on, an event's writes wait for the event loop to
 * read its pending I/O once more, so that events committed a moment apart
 * (a burst) leave in one write per socket (see scheduleFlush).
 */
const LATE_FLUSH_SOCKETS = 500;
const MAX_FILL_RETRY_MS = 2000;

/**
 * This node's view of one tenant's event stream, alive while the tenant has
 * sockets here. It hands events to sockets strictly in seq order: an event
 * ahead of `cursor + 1` waits, and after a short grace (the missing one is
 * usually a publish still in flight) the gap is read from the event log.
 */
export class TenantStream {
  readonly connections = new Set<Connection>();
  /** Last seq handed to this node's sockets. */
  cursor = 0;
  /** References held by sockets being set up or attached. */
  refs = 0;
  readonly ready: Promise<void>;
  /** False when the tenant does not exist (known once `ready` resolved). */
  exists = false;
  private initialized = false;
  /**
   * The newest events, contiguous and ending at `cursor`, frames prebuilt: a
   * reconnect storm replays from here instead of reading the log once per socket.
   */
  private recent: CachedEvent[] = [];
  /** Replays built by replayAllAfter, by `since`; valid until the next event. */
  private readonly blobs = new Map<number, ReplayBlob>();
  /** Log pages recently read for replays, by the seq they start after. */
  private readonly logPages = new Map<string, { at: number; events: Promise<CachedEvent[]> }>();
  private readonly ahead = new Map<number, Incoming>();
  private filling = false;
  private fillTimer: NodeJS.Timeout | undefined;
  private fillRetryMs: number;

  constructor(
    readonly tenantId: string,
    private readonly deps: StreamDeps,
  ) {
    this.fillRetryMs = Math.max(deps.gapGraceMs, 10);
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    const state = await this.deps.log.logState(this.tenantId);
    this.exists = state !== undefined;
    this.cursor = state?.lastSeq ?? 0;
    const keep = this.deps.replayCacheEvents;
    if (state && keep > 0 && state.lastSeq > state.prunedThrough) {
      const from = Math.max(state.prunedThrough, state.lastSeq - keep);
      const rows = await this.deps.log.readEvents(this.tenantId, from, state.lastSeq, keep);
      // Keep only a run that ends at the cursor (a concurrent prune may have cut its start).
      if (rows.at(-1)?.seq === state.lastSeq) {
        this.recent = rows.map(cachedEvent);
      }
    }
    this.initialized = true;
    this.drainAhead();
    if (this.ahead.size > 0) this.scheduleFill(this.deps.gapGraceMs);
  }

  /** An event from the bus (or the log), in any order, possibly repeated. */
  push(e: TenantEvent, origin: EventOrigin = {}): void {
    const event: Incoming = origin.traceId || origin.publishedAt ? { ...e, ...origin } : e;
    if (!this.initialized) {
      this.ahead.set(event.seq, event);
      return;
    }
    if (event.seq <= this.cursor) return;
    if (event.seq === this.cursor + 1) {
      this.deliver(event);
      this.drainAhead();
    } else {
      this.ahead.set(event.seq, event);
    }
    if (this.ahead.size > 0) this.scheduleFill(this.deps.gapGraceMs);
  }

  /** Reads everything after the cursor from the log (after a bus outage, for instance). */
  async catchUp(): Promise<number> {
    if (!this.initialized) return 0;
    let delivered = 0;
    for (;;) {
      const page = await this.deps.log.readEvents(
        this.tenantId,
        this.cursor,
        Number.MAX_SAFE_INTEGER,
        FILL_PAGE,
      );
      delivered += this.deliverRun(page);
      this.drainAhead();
      if (page.length < FILL_PAGE) break;
    }
    if (this.ahead.size > 0) this.scheduleFill(this.deps.gapGraceMs);
    return delivered;
  }

  /**
   * The cached events after `since`, or undefined when the cache does not
   * reach back that far (the caller then reads the log).
   */
  cachedAfter(since: number): CachedEvent[] | undefined {
    if (!this.initialized || since > this.cursor) return undefined;
    if (since === this.cursor) return [];
    const first = this.recent[0];
    if (!first || since < first.seq - 1) return undefined;
    return this.recent.slice(since - first.seq + 1);
  }

  /**
   * cachedAfter(since) for a socket on every channel, as one prebuilt buffer
   * (frames, then the `resumed` frame) that every socket resuming from the
   * same `since` shares until the next event: a reconnect storm builds it
   * once instead of copying 100 frames into each of 5,000 sockets' writes.
   */
  replayAllAfter(since: number): ReplayBlob | undefined {
    const hit = this.blobs.get(since);
    if (hit) return hit;
    const events = this.cachedAfter(since);
    if (!events) return undefined;
    const to = events.at(-1)?.seq ?? since;
    const resumed: ServerControlFrame = { type: 'resumed', from: since + 1, to, count: events.length };
    const frames = events.map((e) => e.frame);
    frames.push(textFrame(JSON.stringify(resumed)));
    const blob = { buf: Buffer.concat(frames), to, count: events.length };
    if (this.blobs.size >= MAX_BLOBS) this.blobs.clear();
    this.blobs.set(since, blob);
    return blob;
  }

  /**
   * Up to `limit` events after `after` from the log, frames built, shared by
   * every socket asking for the same page within a few seconds: a storm
   * beyond the replay cache reads each page once, not once per socket.
   * Events never change once logged, so a full page stays right; a short one
   * ends where the log ended when it was read (Connection.replay reads
   * again if that is before the socket's own position).
   */
  readLogPage(after: number, limit: number): Promise<CachedEvent[]> {
    const key = `${after}:${limit}`;
    const now = Date.now();
    const hit = this.logPages.get(key);
    if (hit && now - hit.at < LOG_PAGE_TTL_MS) return hit.events;
    const events = this.deps.log
      .readEvents(this.tenantId, after, Number.MAX_SAFE_INTEGER, limit)
      .then((rows) => rows.map(cachedEvent));
    const entry = { at: now, events };
    this.logPages.delete(key);
    this.logPages.set(key, entry);
    for (const [k, v] of this.logPages) {
      if (this.logPages.size <= MAX_LOG_PAGES && now - v.at < LOG_PAGE_TTL_MS) break;
      this.logPages.delete(k);
    }
    // A failed read is not shared: the next socket tries again.
    events.catch(() => {
      if (this.logPages.get(key) === entry) this.logPages.delete(key);
    });
    return events;
  }

  /** Delivers the events of a log read that continue the cursor (others arrived meanwhile); returns how many. */
  private deliverRun(events: readonly Incoming[]): number {
    let n = 0;
    for (const e of events) {
      if (e.seq === this.cursor + 1) {
        this.deliver(e);
        n++;
      }
    }
    return n;
  }

  private deliver(event: Incoming): void {
    this.cursor = event.seq;
    if (this.blobs.size > 0) this.blobs.clear();
    const buf = textFrame(event.frame);
    const channel = EVENT_CHANNEL[event.type];
    if (this.deps.replayCacheEvents > 0) {
      this.recent.push({ seq: event.seq, channel, frame: buf });
      if (this.recent.length > this.deps.replayCacheEvents) this.recent.shift();
    }
    let sockets = 0;
    const afterIo = this.connections.size >= LATE_FLUSH_SOCKETS;
    for (const conn of this.connections) if (conn.deliver(event.seq, channel, buf, afterIo)) sockets++;
    this.deps.onDelivered?.({ ...event, tenantId: this.tenantId, sockets });
  }

  private drainAhead(): void {
    if (this.ahead.size === 0) return;
    for (const seq of this.ahead.keys()) if (seq <= this.cursor) this.ahead.delete(seq);
    let next = this.ahead.get(this.cursor + 1);
    while (next) {
      this.ahead.delete(next.seq);
      this.deliver(next);
      next = this.ahead.get(this.cursor + 1);
    }
  }

  private scheduleFill(delayMs: number): void {
    if (this.fillTimer || this.filling) return;
    this.fillTimer = setTimeout(() => {
      this.fillTimer = undefined;
      void this.fill();
    }, delayMs);
  }

  /** Reads the missing seqs below the lowest waiting event from the log. */
  private async fill(): Promise<void> {
    if (this.ahead.size === 0) return;
    this.filling = true;
    let progressed = false;
    try {
      const lowest = Math.min(...this.ahead.keys());
      const from = this.cursor;
      const page = await this.deps.log.readEvents(this.tenantId, from, lowest - 1, FILL_PAGE);
      progressed = this.deliverRun(page) > 0;
      if (progressed) {
        this.deps.logger.info(
          { tenant: this.tenantId, from: from + 1, to: this.cursor },
          'filled a seq gap from the event log',
        );
      }
    } catch (err) {
      this.deps.logger.error({ err, tenant: this.tenantId }, 'reading a seq gap from the log failed');
    } finally {
      this.filling = false;
    }
    this.fillRetryMs = progressed ? this.deps.gapGraceMs : Math.min(this.fillRetryMs * 2, MAX_FILL_RETRY_MS);
    this.drainAhead();
    if (this.ahead.size > 0) this.scheduleFill(this.fillRetryMs);
  }

  dispose(): void {
    if (this.fillTimer) clearTimeout(this.fillTimer);
    this.fillTimer = undefined;
    this.ahead.clear();
    this.recent = [];
    this.blobs.clear();
    this.logPages.clear();
  }
}

import type { ServerControlFrame } from '@newton/protocol';
import type { EventLogReader, EventOrigin, Logger, TenantEvent, TenantLogState } from '../core/index.js';
import type { Connection } from './connection.js';
import { type FramedEvent, frameEvent, type ReplayBlob, type ReplaySource } from './framed-event.js';
import { textFrame } from './frames.js';

/** The origin of events read from the log rather than received from the bus. */
const FROM_LOG: EventOrigin = Object.freeze({});

/** An event that arrived ahead of the cursor, waiting for the ones before it. */
interface Waiting {
  event: TenantEvent;
  origin: EventOrigin;
}

/** Replay blobs kept at once (one per distinct `since`; dropped with every new event). */
const MAX_BLOBS = 8;
/** Log pages read for replays are shared this long, and this many at most. */
const LOG_PAGE_TTL_MS = 5000;
const MAX_LOG_PAGES = 8;

export interface StreamDeps {
  eventLog: EventLogReader;
  logger: Logger;
  gapGraceMs: number;
  /** Recent events kept in memory for replays (0: none). @default 256 */
  replayCacheEvents: number;
  /** Reports each event handed to sockets, with where it came from and how many sockets got it. */
  onDelivered?: (event: TenantEvent, origin: EventOrigin, sockets: number) => void;
}

const FILL_PAGE = 1000;
/**
 * From this many sockets on, an event's writes wait for the event loop to
 * read its pending I/O once more, so that events committed a moment apart
 * (a burst) leave in one write per socket (see FlushScheduler).
 */
const LATE_FLUSH_SOCKETS = 500;
const MAX_FILL_RETRY_MS = 2000;

/**
 * This node's view of one tenant's event stream, alive while the tenant has
 * sockets here. It hands events to sockets strictly in seq order: an event
 * ahead of `cursor + 1` waits, and after a short grace (the missing one is
 * usually a publish still in flight) the gap is read from the event log.
 * Sockets replay what they missed through it (it is their ReplaySource).
 */
export class TenantStream implements ReplaySource {
  readonly ready: Promise<void>;
  private readonly attached = new Set<Connection>();
  /** Last seq handed to this node's sockets. */
  private lastDelivered = 0;
  /** References held by sockets being set up or attached. */
  private refs = 0;
  private found = false;
  private initialized = false;
  /**
   * The newest events, contiguous and ending at `cursor`, frames prebuilt: a
   * reconnect storm replays from here instead of reading the log once per socket.
   */
  private recent: FramedEvent[] = [];
  /** Replays built by replayAllAfter, by `since`; valid until the next event. */
  private readonly blobs = new Map<number, ReplayBlob>();
  /** Log pages recently read for replays, by the seq they start after. */
  private readonly logPages = new Map<string, { at: number; events: Promise<FramedEvent[]> }>();
  private readonly ahead = new Map<number, Waiting>();
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

  /** Last seq handed to this node's sockets. */
  get cursor(): number {
    return this.lastDelivered;
  }

  /** False when the tenant does not exist (known once `ready` resolved). */
  get exists(): boolean {
    return this.found;
  }

  /** The sockets receiving this tenant's events. */
  get connections(): ReadonlySet<Connection> {
    return this.attached;
  }

  /** Taken by a socket from its setup on; the gateway disposes of a stream nobody references. */
  ref(): void {
    this.refs++;
  }

  unref(): void {
    this.refs--;
  }

  /** True while a socket holds a reference. */
  get referenced(): boolean {
    return this.refs > 0;
  }

  /** Starts live delivery to `conn` with the next event after the cursor. */
  attach(conn: Connection): void {
    conn.startAfter(this.lastDelivered);
    this.attached.add(conn);
  }

  detach(conn: Connection): void {
    this.attached.delete(conn);
  }

  private async init(): Promise<void> {
    const state = await this.deps.eventLog.logState(this.tenantId);
    this.found = state !== undefined;
    this.lastDelivered = state?.lastSeq ?? 0;
    const keep = this.deps.replayCacheEvents;
    if (state && keep > 0 && state.lastSeq > state.prunedThrough) {
      const from = Math.max(state.prunedThrough, state.lastSeq - keep);
      const rows = await this.deps.eventLog.readEvents(this.tenantId, from, state.lastSeq, keep);
      // Keep only a run that ends at the cursor (a concurrent prune may have cut its start).
      if (rows.at(-1)?.seq === state.lastSeq) {
        this.recent = rows.map(frameEvent);
      }
    }
    this.initialized = true;
    this.drainAhead();
    if (this.ahead.size > 0) this.scheduleFill(this.deps.gapGraceMs);
  }

  /** An event from the bus (or the log), in any order, possibly repeated. */
  push(event: TenantEvent, origin: EventOrigin = FROM_LOG): void {
    if (!this.initialized) {
      this.ahead.set(event.seq, { event, origin });
      return;
    }
    if (event.seq <= this.lastDelivered) return;
    if (event.seq === this.lastDelivered + 1) {
      this.deliver(event, origin);
      this.drainAhead();
    } else {
      this.ahead.set(event.seq, { event, origin });
    }
    if (this.ahead.size > 0) this.scheduleFill(this.deps.gapGraceMs);
  }

  /** Reads everything after the cursor from the log (after a bus outage, for instance). */
  async catchUp(): Promise<number> {
    if (!this.initialized) return 0;
    let delivered = 0;
    for (;;) {
      const page = await this.deps.eventLog.readEvents(
        this.tenantId,
        this.lastDelivered,
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

  logState(): Promise<TenantLogState | undefined> {
    return this.deps.eventLog.logState(this.tenantId);
  }

  /**
   * The cached events after `since`, or undefined when the cache does not
   * reach back that far (the caller then reads the log).
   */
  cachedAfter(since: number): readonly FramedEvent[] | undefined {
    if (!this.initialized || since > this.lastDelivered) return undefined;
    if (since === this.lastDelivered) return [];
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
   * Up to `limit` events after `after` from the log, frames built. Shared
   * pages are handed to every socket asking for the same page within a few
   * seconds: a storm beyond the replay cache reads each page once, not once
   * per socket. Events never change once logged, so a full page stays right;
   * a short one ends where the log ended when it was read (Connection.replay
   * reads again, unshared, if that is before the socket's own position).
   */
  readLogPage(after: number, limit: number, shared: boolean): Promise<FramedEvent[]> {
    if (!shared) return this.readFramed(after, limit);
    const key = `${after}:${limit}`;
    const now = Date.now();
    const hit = this.logPages.get(key);
    if (hit && now - hit.at < LOG_PAGE_TTL_MS) return hit.events;
    const events = this.readFramed(after, limit);
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

  private async readFramed(after: number, limit: number): Promise<FramedEvent[]> {
    const rows = await this.deps.eventLog.readEvents(this.tenantId, after, Number.MAX_SAFE_INTEGER, limit);
    return rows.map(frameEvent);
  }

  /** Delivers the events of a log read that continue the cursor (others arrived meanwhile); returns how many. */
  private deliverRun(events: readonly TenantEvent[]): number {
    let n = 0;
    for (const e of events) {
      if (e.seq === this.lastDelivered + 1) {
        this.deliver(e, FROM_LOG);
        n++;
      }
    }
    return n;
  }

  private deliver(event: TenantEvent, origin: EventOrigin): void {
    this.lastDelivered = event.seq;
    if (this.blobs.size > 0) this.blobs.clear();
    const framed = frameEvent(event);
    if (this.deps.replayCacheEvents > 0) {
      this.recent.push(framed);
      if (this.recent.length > this.deps.replayCacheEvents) this.recent.shift();
    }
    let sockets = 0;
    const afterIo = this.attached.size >= LATE_FLUSH_SOCKETS;
    for (const conn of this.attached) if (conn.deliver(framed, afterIo)) sockets++;
    this.deps.onDelivered?.(event, origin, sockets);
  }

  private drainAhead(): void {
    if (this.ahead.size === 0) return;
    for (const seq of this.ahead.keys()) if (seq <= this.lastDelivered) this.ahead.delete(seq);
    let next = this.ahead.get(this.lastDelivered + 1);
    while (next) {
      this.ahead.delete(next.event.seq);
      this.deliver(next.event, next.origin);
      next = this.ahead.get(this.lastDelivered + 1);
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
      const from = this.lastDelivered;
      const page = await this.deps.eventLog.readEvents(this.tenantId, from, lowest - 1, FILL_PAGE);
      progressed = this.deliverRun(page) > 0;
      if (progressed) {
        this.deps.logger.info(
          { tenant: this.tenantId, from: from + 1, to: this.lastDelivered },
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

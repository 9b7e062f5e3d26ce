/**
 * The tenant's event stream as the app sees it: every event once, in seq
 * order, across reconnects, resumes and replays.
 *
 * - `lastSeq` is the highest seq handed to the app; every reconnect resumes
 *   from it (`since=lastSeq`).
 * - An event whose seq is not above `lastSeq`, or whose `event_id` was seen
 *   recently (a bounded window), is a duplicate and is dropped.
 * - A seq jump on a socket that is on every channel means something was
 *   missed: the event is held back (not delivered out of order) and the
 *   caller sends `resume` from `lastSeq`, which replays the gap.
 * - `resync_required` moves `lastSeq` to the server's `last_seq`.
 */
import { CHANNELS, type Channel, type ResyncRequiredFrame, type TenantEvent } from '@newton/protocol';

/** What to do with an incoming event. */
export type Verdict = 'deliver' | 'duplicate' | 'gap';

export class EventStream {
  /** Highest seq delivered (or the start point); null before the first connection. */
  lastSeq: number | null;
  /** True from sending `since`/`resume` until `resumed`/`resync_required`. */
  resuming = false;
  /**
   * The channels the app wants (the server's last `subscribed`/`unsubscribed`
   * answer). Kept across sockets: the service narrows a new socket to them.
   */
  channels: readonly Channel[] = CHANNELS;
  private readonly seen = new Set<string>();

  constructor(
    since: number | undefined,
    private readonly window: number,
  ) {
    this.lastSeq = since ?? null;
  }

  /** A socket became live; `since` is what it was opened with (null: none). */
  established(lastSeqOfLog: number, since: number | null): void {
    if (this.lastSeq === null) this.lastSeq = lastSeqOfLog;
    this.resuming = since !== null;
  }

  /** Decides about one event; `deliver` also records it. */
  accept(e: TenantEvent): Verdict {
    if (this.seen.has(e.event_id)) return 'duplicate';
    const last = this.lastSeq;
    if (last !== null && e.seq <= last) return 'duplicate';
    if (last !== null && e.seq > last + 1 && this.onAllChannels()) return 'gap';
    this.lastSeq = e.seq;
    this.seen.add(e.event_id);
    if (this.seen.size > this.window) {
      // Sets iterate in insertion order: the first is the oldest.
      for (const id of this.seen) {
        this.seen.delete(id);
        break;
      }
    }
    return 'deliver';
  }

  resumed(): void {
    this.resuming = false;
  }

  /** The server cannot replay: the app reloads over REST and continues from the log's head. */
  resync(frame: ResyncRequiredFrame): void {
    this.resuming = false;
    this.lastSeq = frame.last_seq;
    this.seen.clear();
  }

  onAllChannels(): boolean {
    return CHANNELS.every((c) => this.channels.includes(c));
  }
}

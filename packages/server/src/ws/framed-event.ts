/**
 * What the tenant stream hands to sockets and what a socket replays from:
 * shared by tenant-stream.ts (which implements ReplaySource) and
 * connection.ts (which reads through it), so that neither imports the other
 * for them.
 */
import { type Channel, EVENT_CHANNEL } from '@newton/protocol';
import type { TenantEvent, TenantLogState } from '../core/index.js';
import { textFrame } from './frames.js';

/** A TenantEvent ready for sockets: its WebSocket frame built once (see frames.ts), and its channel. */
export interface FramedEvent {
  readonly seq: number;
  readonly channel: Channel;
  readonly frame: Buffer;
}

export function frameEvent(e: TenantEvent): FramedEvent {
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

/**
 * Where a socket reads the events it missed: its tenant's recent events in
 * memory, and the event log behind them.
 */
export interface ReplaySource {
  readonly tenantId: string;
  /** Where the tenant's log stands (undefined: no such tenant). */
  logState(): Promise<TenantLogState | undefined>;
  /** The events in memory after `since`, or undefined when memory does not reach back that far. */
  cachedAfter(since: number): readonly FramedEvent[] | undefined;
  /** cachedAfter(since) for a socket on every channel, with its `resumed` frame, as one shared buffer. */
  replayAllAfter(since: number): ReplayBlob | undefined;
  /**
   * Up to `limit` events of the log after `after`. `shared`: a page other
   * sockets read a moment ago may be handed out again, so it can end before
   * the log's current end; otherwise it is read now.
   */
  readLogPage(after: number, limit: number, shared: boolean): Promise<readonly FramedEvent[]>;
}

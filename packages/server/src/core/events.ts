/**
 * One event, one name, from the store to the socket: a `TenantEvent` is what
 * the store appends to a tenant's log (with its `seq`), what the bus carries
 * between nodes and what the gateway writes to sockets. `frame` is the exact
 * JSON a socket receives, built once when the event is appended.
 */
import type { EventType } from '@newton/protocol';

export interface TenantEvent {
  tenantId: string;
  seq: number;
  type: EventType;
  frame: string;
}

/**
 * Where a published batch of events came from. Travels beside the events on
 * the bus (for logs and latency metrics), never stored in the log.
 */
export interface EventOrigin {
  /** Trace id of the webhook or request that caused the events. */
  traceId?: string | undefined;
  /** Epoch ms the publish began on the publishing node. */
  publishedAt?: number | undefined;
}

/** Receives each published event with the origin of its batch. */
export type BusHandler = (event: TenantEvent, origin: EventOrigin) => void;

/**
 * Fans events out to every node. An accelerator only: the event log is the
 * copy of record, and nodes catch up from it when the bus loses anything.
 */
export interface EventBus {
  /** Publishes events of one tenant, in seq order. Rejects when the bus is down. */
  publish(events: readonly TenantEvent[], origin?: EventOrigin): Promise<void>;
  /** Receives every published event (of every tenant); returns an unsubscribe function. */
  subscribe(handler: BusHandler): () => void;
  /** Called after the bus reconnects, so that receivers can catch up from the log. */
  onReconnect(handler: () => void): () => void;
  /**
   * Sends an opaque control message to every node, this one included (the
   * diagnostics ping). The bus does not read it. Rejects when the bus is down.
   */
  publishControl(message: string): Promise<void>;
  /** Receives every control message; returns an unsubscribe function. */
  onControl(handler: (message: string) => void): () => void;
  /** Proves the bus with a publish→receive round trip; resolves with its duration in ms. */
  roundTrip(timeoutMs: number): Promise<number>;
  readonly kind: 'memory' | 'redis';
  close(): Promise<void>;
}

/** Where a tenant's log stands. */
export interface TenantLogState {
  lastSeq: number;
  prunedThrough: number;
}

/**
 * The event log as readers (the gateway, catch-up) see it: where a tenant's
 * log stands and its events by seq. Recovery always reads from here, never
 * from the bus.
 */
export interface EventLogReader {
  logState(tenantId: string): Promise<TenantLogState | undefined>;
  /** Events with `after < seq <= upTo`, in seq order, at most `limit`. */
  readEvents(tenantId: string, after: number, upTo: number, limit: number): Promise<TenantEvent[]>;
  /** Last seq of each of the given tenants. */
  heads(tenantIds: string[]): Promise<Map<string, number>>;
}

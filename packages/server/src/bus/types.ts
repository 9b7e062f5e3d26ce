import type { AppendedEvent } from '../store/index.js';

export type BusHandler = (event: AppendedEvent) => void;

/**
 * Fans events out to every node. An accelerator only: the event log is the
 * copy of record, and nodes catch up from it when the bus loses anything.
 */
export interface EventBus {
  /** Publishes events of one tenant, in seq order. Rejects when the bus is down. */
  publish(events: readonly AppendedEvent[]): Promise<void>;
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

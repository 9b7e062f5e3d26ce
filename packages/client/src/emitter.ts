/**
 * A small typed event emitter: `on(type, handler)` returns the unsubscribe
 * function. A handler that throws does not stop the others or the SDK; the
 * error is rethrown asynchronously so it still reaches the console or the
 * app's error reporting.
 */
import type {
  AgentPresenceFrame,
  AgentTypingFrame,
  ConnectionEstablishedFrame,
  CustomerTypingFrame,
  ErrorFrame,
  EventOfType,
  EventType,
  PresenceSnapshotFrame,
  ResumedFrame,
  ResyncRequiredFrame,
  ServerFrame,
  TenantEvent,
} from '@newton/protocol';
import type { ConnectionState } from './state.js';

/** How a socket ended. */
export interface CloseInfo {
  code: number;
  reason: string;
  /** Whether `connection_established` had arrived on that socket. */
  established: boolean;
}

/** A frame `send()` did not deliver. */
export interface DroppedFrame {
  frame: unknown;
  /** `not_connected`: the queue is off; `queue_full`: the oldest queued frame gave way; `closed`: the service stopped. */
  reason: 'not_connected' | 'queue_full' | 'closed';
}

/** Every event `WebSocketService.on` accepts, with its payload. */
export type ServiceEvents = { [T in EventType]: EventOfType<T> } & {
  /** Every tenant event, once, in seq order (also types this SDK does not know yet). */
  event: TenantEvent;
  /** A socket became live (`connection_established`). */
  connected: ConnectionEstablishedFrame;
  /** A replay after a reconnect (or a resume) finished. */
  resumed: ResumedFrame;
  /** The server cannot replay what was missed: reload the app's state over REST. */
  resync: ResyncRequiredFrame;
  /** An `error` frame from the server (the socket stays open). */
  error: ErrorFrame;
  /** Every frame from the server, parsed, before any processing (duplicates included). */
  frame: ServerFrame;
  /** The state changed. */
  state: ConnectionState;
  /** A socket closed (or was closed by the SDK). */
  close: CloseInfo;
  /** `send()` dropped a frame. */
  dropped: DroppedFrame;
  /**
   * Presence and typing (ephemeral, no seq, never replayed), once the app
   * subscribed to the opt-in `presence` channel; `@newton/client/presence`
   * keeps their state.
   */
  presence_snapshot: PresenceSnapshotFrame;
  agent_presence: AgentPresenceFrame;
  agent_typing: AgentTypingFrame;
  customer_typing: CustomerTypingFrame;
};

type Handler<P> = (payload: P) => void;

export class Emitter<E extends object> {
  private readonly handlers = new Map<keyof E, Set<Handler<never>>>();

  on<K extends keyof E>(type: K, handler: Handler<E[K]>): () => void {
    // Wrapped so that the same function can be added twice and removed one at a time.
    const entry: Handler<E[K]> = (p) => handler(p);
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    set.add(entry as Handler<never>);
    return () => {
      set.delete(entry as Handler<never>);
    };
  }

  emit<K extends keyof E>(type: K, payload: E[K]): void {
    const set = this.handlers.get(type);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as Handler<E[K]>)(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Number of handlers (all types, or one). */
  count(type?: keyof E): number {
    if (type !== undefined) return this.handlers.get(type)?.size ?? 0;
    let n = 0;
    for (const set of this.handlers.values()) n += set.size;
    return n;
  }

  clear(): void {
    this.handlers.clear();
  }
}

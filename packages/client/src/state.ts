/**
 * The connection state machine and the store that exposes it.
 *
 * ```
 * idle ──connect()──▶ connecting ──connection_established──▶ open
 *                      │   ▲                                  │
 *          close/timeout│   │timer                   close/pong│timeout
 *                      ▼   │                                  ▼
 *                     reconnecting(attempt, nextAt) ◀─────────┘
 * connecting/open ──4401 twice / getToken rejects──▶ unauthorized
 * connecting/open ──4403 / 4404──▶ forbidden
 * any ──`offline` event──▶ offline ──`online` event──▶ connecting
 * any ──disconnect()/destroy()──▶ closed
 * ```
 *
 * The store follows the Svelte store contract (`subscribe(fn)` calls `fn`
 * at once and on every change, and returns the unsubscribe function) and fits
 * React's `useSyncExternalStore(store.subscribe, store.get)`: `get()` returns
 * the same object until the state changes.
 */

export type ConnectionState =
  /** Created; `connect()` not called yet. */
  | { status: 'idle' }
  /** Fetching a token, opening a socket, waiting for `connection_established`. */
  | { status: 'connecting'; attempt: number }
  /** `connection_established` received: events flow. */
  | { status: 'open'; connectionId: string; userId: string }
  /** Waiting until `nextAt` (clock ms) before attempt `attempt`. */
  | { status: 'reconnecting'; attempt: number; nextAt: number; code: number; reason: string }
  /** The browser reports no network; the service reconnects on `online`. */
  | { status: 'offline' }
  /** The server refused the token twice (4401), or `getToken` rejected. No more attempts. */
  | { status: 'unauthorized'; reason: string }
  /** The token does not cover this tenant (4403), or the tenant does not exist (4404). No more attempts. */
  | { status: 'forbidden'; reason: string }
  /** `disconnect()` or `destroy()`: no more attempts until `connect()`. */
  | { status: 'closed' };

export type ConnectionStatus = ConnectionState['status'];

/** The allowed transitions; anything else is a bug and throws. */
export const TRANSITIONS: { readonly [S in ConnectionStatus]: readonly ConnectionStatus[] } = {
  idle: ['connecting', 'offline', 'closed'],
  connecting: ['open', 'reconnecting', 'offline', 'unauthorized', 'forbidden', 'closed'],
  open: ['reconnecting', 'offline', 'unauthorized', 'forbidden', 'closed'],
  reconnecting: ['connecting', 'offline', 'closed'],
  offline: ['connecting', 'closed'],
  unauthorized: ['connecting', 'offline', 'closed'],
  forbidden: ['connecting', 'offline', 'closed'],
  closed: ['connecting', 'offline'],
};

/** A readable store (Svelte store contract; React `useSyncExternalStore`). */
export interface Readable<T> {
  /** The current value (the same object until it changes). */
  get(): T;
  /** Calls `fn` now and on every change; returns the unsubscribe function. */
  subscribe(fn: (value: T) => void): () => void;
}

/** A writable store for the SDK's internal use. */
export class Store<T> implements Readable<T> {
  private readonly subscribers = new Set<(value: T) => void>();

  constructor(private value: T) {}

  readonly get = (): T => this.value;

  readonly subscribe = (fn: (value: T) => void): (() => void) => {
    // Wrapped so that the same function can subscribe twice and unsubscribe each on its own.
    const entry = (v: T) => fn(v);
    this.subscribers.add(entry);
    fn(this.value);
    return () => {
      this.subscribers.delete(entry);
    };
  };

  set(value: T): void {
    this.value = value;
    for (const fn of [...this.subscribers]) fn(value);
  }

  clear(): void {
    this.subscribers.clear();
  }
}

/** The state machine: a store that only accepts allowed transitions. */
export class StateMachine extends Store<ConnectionState> {
  constructor() {
    super({ status: 'idle' });
  }

  get status(): ConnectionStatus {
    return this.get().status;
  }

  /** Moves to `next`; throws on a transition the machine does not allow. */
  to(next: ConnectionState): void {
    const from = this.status;
    if (!TRANSITIONS[from].includes(next.status)) {
      throw new Error(`WebSocketService: invalid state transition ${from} → ${next.status}`);
    }
    this.set(next);
  }
}

/**
 * Test doubles (tests only): window/document stand-ins that count their
 * listeners, a `ws` WebSocket that remembers every instance, a system clock
 * that knows its pending timers, and a wait on a service's state.
 */
import { WebSocket } from 'ws';
import type { Clock, DocumentLike, EventTargetLike, WebSocketConstructor } from '../src/options.js';
import type { WebSocketService } from '../src/service.js';
import type { ConnectionState, ConnectionStatus } from '../src/state.js';

/** An EventTarget stand-in (for `window`) that counts its listeners and can fire events. */
export class FakeTarget implements EventTargetLike {
  private readonly listeners = new Map<string, Set<() => void>>();

  addEventListener(type: string, listener: () => void): void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.listeners.get(type)?.delete(listener);
  }

  /** Listeners registered now (all types, or one). */
  count(type?: string): number {
    if (type !== undefined) return this.listeners.get(type)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  dispatch(type: string): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener();
  }
}

/** A `document` stand-in: visibility is set by the test. */
export class FakeDocument extends FakeTarget implements DocumentLike {
  visibilityState: 'visible' | 'hidden' = 'visible';

  setVisibility(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatch('visibilitychange');
  }
}

/** The `ws` WebSocket, remembering every socket the SDK creates (and counting their listeners). */
export function recordingWebSocket(): { Impl: WebSocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { Impl: Recording, sockets };
}

/** Listeners on a `ws` socket added through addEventListener (ws keeps them as emitter listeners). */
export function socketListeners(ws: WebSocket): number {
  return ['open', 'message', 'close', 'error'].reduce((n, type) => n + ws.listenerCount(type), 0);
}

/** Resolves once `check(state)` holds (checked now and on every change), or rejects after `timeoutMs`. */
export function waitForState(
  service: WebSocketService,
  check: ConnectionStatus | ((s: ConnectionState) => boolean),
  timeoutMs = 10_000,
): Promise<ConnectionState> {
  const ok = typeof check === 'string' ? (s: ConnectionState) => s.status === check : check;
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      unsubscribe?.();
      reject(
        new Error(
          `state did not become ${String(check)} within ${timeoutMs} ms (is ${service.state.get().status})`,
        ),
      );
    }, timeoutMs);
    unsubscribe = service.state.subscribe((s) => {
      if (done || !ok(s)) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe?.());
      resolve(s);
    });
    if (done) unsubscribe();
  });
}

/**
 * The system clock, keeping track of the timers the SDK has pending and of
 * those that fired (by their delay). No timer pending means the SDK will do
 * nothing more by itself: a test can check that instead of waiting to see.
 */
export class TrackedClock implements Clock {
  private readonly timers = new Map<unknown, number>();
  /** Delays (ms) of the timers that have fired, in order. */
  readonly fired: number[] = [];

  readonly now = (): number => Date.now();

  readonly setTimeout = (fn: () => void, ms: number): unknown => {
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      this.fired.push(ms);
      fn();
    }, ms);
    this.timers.set(handle, ms);
    return handle;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle);
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  };

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }
}

/**
 * Options of `WebSocketService`, their defaults, and the small structural
 * types the SDK needs from its environment (a WebSocket class, a clock, the
 * browser's window and document). Nothing here depends on the DOM typings, so
 * the same code runs in browsers and in Node (with the `ws` package).
 */
import type { DebugLogger } from './debug.js';

/** What the SDK uses of a WebSocket: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // biome-ignore lint/suspicious/noExplicitAny: browser and `ws` event types differ; connection.ts reads them defensively.
  addEventListener(type: string, listener: (event: any) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: see addEventListener.
  removeEventListener(type: string, listener: (event: any) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers, `import { WebSocket } from 'ws'` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Time and timers. Injectable so tests (and apps) can control time. */
export interface Clock {
  /** Milliseconds since the epoch (wall clock: it jumps forward after a laptop sleeps). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The platform's clock: `Date.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

/** The part of `window` (or any EventTarget) the SDK listens to: `online` and `offline`. */
export interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** The part of `document` the SDK listens to: `visibilitychange`. */
export interface DocumentLike extends EventTargetLike {
  readonly visibilityState: string;
}

/** Passed to `getToken`. */
export interface TokenRequest {
  /**
   * True when the server refused the previous token (close code 4401): return
   * a newly issued token, not a cached one.
   */
  refresh: boolean;
}

export interface WebSocketServiceOptions {
  /**
   * Newton's base URL. `http(s)://` is turned into `ws(s)://`; a path prefix is kept.
   * @example 'wss://newton.example.com'
   */
  baseUrl: string;
  /**
   * The tenant whose events this service receives.
   * @example 'celucambio_main'
   */
  tenantId: string;
  /**
   * Returns a JWT. Called before every connection attempt, never cached by the
   * SDK. A rejection stops the service in `unauthorized`: throw only when the
   * user is really signed out, and retry transient failures inside.
   * @example ({ refresh }) => auth.accessToken({ forceRefresh: refresh })
   */
  getToken: (request: TokenRequest) => string | Promise<string>;
  /**
   * The WebSocket class.
   * @default globalThis.WebSocket
   * @example import { WebSocket } from 'ws'; // in Node
   */
  WebSocket?: WebSocketConstructor;
  /**
   * The last seq the app already has (for example persisted from an earlier
   * session): the first connection resumes from it. Unset, the first
   * connection starts live at the server's `last_seq`.
   * @default undefined
   * @example 1234
   */
  since?: number;
  /**
   * First reconnect delay cap; it doubles per failed attempt (full jitter: the
   * delay is uniform between 0 and the cap).
   * @default 500
   * @example 1000
   */
  backoffBaseMs?: number;
  /**
   * Largest reconnect delay cap.
   * @default 30000
   * @example 60000
   */
  backoffMaxMs?: number;
  /**
   * How long a connection must stay open before the attempt count (and the
   * backoff) resets.
   * @default 5000
   * @example 10000
   */
  stableAfterMs?: number;
  /**
   * Jitter before reconnecting after close code 1012 (server restart): no
   * backoff, a uniform delay in [0, restartJitterMs).
   * @default 2000
   * @example 500
   */
  restartJitterMs?: number;
  /**
   * Interval of the JSON `ping`. Unset: the server's `heartbeat_interval_ms`.
   * @default 30000 (the server's heartbeat_interval_ms)
   * @example 15000
   */
  pingIntervalMs?: number;
  /**
   * After a ping, a frame (the pong or any other) must arrive within this
   * time, checked against `clock.now()`; otherwise the socket is closed and
   * replaced.
   * @default 10000
   * @example 5000
   */
  pongTimeoutMs?: number;
  /**
   * Longest wait from creating a socket to `connection_established`.
   * @default 10000
   * @example 15000
   */
  connectTimeoutMs?: number;
  /**
   * How many recent `event_id`s are remembered for de-duplication.
   * @default 1000
   * @example 5000
   */
  dedupeWindow?: number;
  /**
   * Buffering of `send()` while not connected. Off: such frames are dropped
   * (and reported). On: up to `max` frames wait for the next connection; when
   * full, the oldest is dropped and reported with a `dropped` event.
   * @default { enabled: false, max: 100 }
   * @example { enabled: true, max: 20 }
   */
  sendQueue?: { enabled?: boolean; max?: number };
  /**
   * Time source and timers.
   * @default Date.now, setTimeout, clearTimeout
   * @example { now: () => fake.now, setTimeout: fake.set, clearTimeout: fake.clear }
   */
  clock?: Clock;
  /**
   * Random numbers in [0, 1) for jitter.
   * @default Math.random
   * @example () => 0.5
   */
  random?: () => number;
  /**
   * Debug logging: `true` logs with `console.log`, a function receives each
   * line. Tokens in URLs are redacted.
   * @default false
   * @example true
   */
  debug?: boolean | DebugLogger;
  /**
   * Source of `online`/`offline` events; `null` disables them.
   * @default globalThis.window (in browsers)
   * @example null
   */
  window?: EventTargetLike | null;
  /**
   * Source of `visibilitychange` events; `null` disables them.
   * @default globalThis.document (in browsers)
   * @example null
   */
  document?: DocumentLike | null;
  /**
   * Whether the device has a network. False: no attempt is made; the service waits in `offline`.
   * @default () => navigator.onLine !== false
   * @example () => true
   */
  isOnline?: () => boolean;
}

type Required_<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

export interface ResolvedOptions
  extends Required_<
    Omit<
      WebSocketServiceOptions,
      'since' | 'pingIntervalMs' | 'sendQueue' | 'debug' | 'window' | 'document' | 'WebSocket'
    >
  > {
  WebSocket: WebSocketConstructor | undefined;
  since: number | undefined;
  pingIntervalMs: number | undefined;
  queueEnabled: boolean;
  queueMax: number;
  window: EventTargetLike | undefined;
  document: DocumentLike | undefined;
}

const g = globalThis as {
  WebSocket?: WebSocketConstructor;
  window?: EventTargetLike;
  document?: DocumentLike;
  navigator?: { onLine?: boolean };
};

/** Fills in the defaults. */
export function resolveOptions(o: WebSocketServiceOptions): ResolvedOptions {
  const win = o.window === undefined ? g.window : o.window;
  const doc = o.document === undefined ? g.document : o.document;
  return {
    baseUrl: o.baseUrl,
    tenantId: o.tenantId,
    getToken: o.getToken,
    WebSocket: o.WebSocket ?? g.WebSocket,
    since: o.since,
    backoffBaseMs: o.backoffBaseMs ?? 500,
    backoffMaxMs: o.backoffMaxMs ?? 30_000,
    stableAfterMs: o.stableAfterMs ?? 5000,
    restartJitterMs: o.restartJitterMs ?? 2000,
    pingIntervalMs: o.pingIntervalMs,
    pongTimeoutMs: o.pongTimeoutMs ?? 10_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    dedupeWindow: o.dedupeWindow ?? 1000,
    queueEnabled: o.sendQueue?.enabled ?? false,
    queueMax: o.sendQueue?.max ?? 100,
    clock: o.clock ?? systemClock,
    random: o.random ?? Math.random,
    window: win?.addEventListener ? win : undefined,
    document: doc?.addEventListener ? doc : undefined,
    isOnline: o.isOnline ?? (() => g.navigator?.onLine !== false),
  };
}

/**
 * One HTTP call to a provider's management API (Evolution's instance and
 * webhook routes, Meta's phone-number node) with a time limit, answered as a
 * value, never thrown: the JSON body, or why there is none (unreachable,
 * timed out, an HTTP error with its body). Provider checks build on it.
 */
import { networkSendError, SendErrorCode } from '../core/index.js';

export type UpstreamAnswer =
  /** A 2xx answer; `body` is its JSON (null when empty or not JSON). */
  | { ok: true; status: number; body: unknown }
  /** An answer outside 2xx, with its JSON body (null when none). */
  | { ok: false; kind: 'http'; status: number; body: unknown }
  /** No answer within the time limit. */
  | { ok: false; kind: 'timeout'; reason: string }
  /** No connection (refused, DNS, reset). */
  | { ok: false; kind: 'unreachable'; reason: string };

export interface UpstreamRequest {
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Time limit of the whole call, body included. */
  timeoutMs: number;
}

/** Calls `url`; never throws. Headers may carry secrets: nothing here logs them. */
export async function callUpstream(url: string, req: UpstreamRequest): Promise<UpstreamAnswer> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await fetch(url, {
      method: req.method ?? 'GET',
      headers: {
        ...req.headers,
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      signal,
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (res.ok) return { ok: true, status: res.status, body };
    return { ok: false, kind: 'http', status: res.status, body };
  } catch (err) {
    // The reply path's classification of fetch failures, reused for the words.
    const failure = networkSendError(err, signal.aborted);
    return failure.code === SendErrorCode.TIMEOUT
      ? { ok: false, kind: 'timeout', reason: `no answer within ${req.timeoutMs} ms` }
      : { ok: false, kind: 'unreachable', reason: failure.reason };
  }
}

/**
 * Loads and connects Node's HTTP client (undici) once, before it is needed:
 * a process's first `fetch` spends about 40 ms on the event loop loading the
 * module and compiling its parser — a stall every webhook in flight waits
 * for, were it the first backfill page or provider check (issue #12). `url`
 * is any cheap route, such as the node's own `/healthz`. Never throws.
 */
export async function warmUpstreamClient(url: string): Promise<void> {
  await callUpstream(url, { headers: {}, timeoutMs: 5000 });
}

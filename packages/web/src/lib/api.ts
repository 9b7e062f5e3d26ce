/**
 * REST calls with the session's bearer token (docs/api.md). A 401 ends the
 * session (`token_expired` → "session expired"), so no view keeps retrying a
 * refused token.
 */
import { get } from 'svelte/store';
import { session, sessionEnd } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Use this token instead of the session's (sign-in checks a pasted token). */
  token?: string;
  tenantId?: string;
}

/** Calls `path` (under the page's origin) and returns the parsed JSON body. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const s = get(session);
  const token = opts.token ?? s?.token;
  const tenant = opts.tenantId ?? s?.tenantId;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (tenant) headers['x-tenant-id'] = tenant;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
    signal: opts.signal ?? null,
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { error: `http_${res.status}`, message: text.slice(0, 200) };
  }
  if (!res.ok) {
    const code = typeof body.error === 'string' ? body.error : `http_${res.status}`;
    const message = typeof body.message === 'string' ? body.message : res.statusText;
    if (res.status === 401 && opts.token === undefined && s) {
      // The views stay on screen (read-only, red indicator) until the agent signs in again.
      sessionEnd.set(code === 'token_expired' ? 'expired' : 'unauthorized');
    }
    throw new ApiError(res.status, code, message);
  }
  return body as T;
}

/** Fetches bytes (media) with the bearer token; returns an object URL the caller must revoke. */
export async function apiBlobUrl(path: string): Promise<string> {
  const s = get(session);
  const res = await fetch(path, {
    headers: s ? { authorization: `Bearer ${s.token}`, 'x-tenant-id': s.tenantId } : {},
  });
  if (!res.ok) {
    let code = `http_${res.status}`;
    try {
      code = ((await res.json()) as { error?: string }).error ?? code;
    } catch {}
    throw new ApiError(res.status, code, res.statusText);
  }
  return URL.createObjectURL(await res.blob());
}

/**
 * Small helpers for calling Meta's Graph API: the base URL of an instance,
 * its bearer header, and Meta's error body turned into a sentence.
 */

import type { Instance } from '../../core/index.js';
import { DEFAULT_GRAPH_URL } from './types.js';

/** `https://graph.facebook.com/v21.0` or the instance's `--graph-url`, without a trailing slash. */
export function graphBase(instance: Instance): string {
  return (instance.baseUrl ?? DEFAULT_GRAPH_URL).replace(/\/+$/, '');
}

/** Request headers with the instance's access token (never log them). */
export function graphHeaders(instance: Instance, json = false): Record<string, string> {
  return {
    authorization: `Bearer ${instance.apikey ?? ''}`,
    // Meta's media CDN refuses some requests that carry no User-Agent.
    'user-agent': 'newton/0.1',
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

/** Meta's `{"error":{message,type,code,error_subcode,fbtrace_id}}`, as far as present. */
export interface GraphError {
  message: string | null;
  type: string | null;
  code: number | null;
  subcode: number | null;
  fbtraceId: string | null;
}

/** Reads Meta's error body; null when `body` is not one. */
export function graphError(body: unknown): GraphError | null {
  const e = (body as { error?: unknown } | null)?.error;
  if (typeof e !== 'object' || e === null) return null;
  const o = e as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    message: s(o.message),
    type: s(o.type),
    code: n(o.code),
    subcode: n(o.error_subcode),
    fbtraceId: s(o.fbtrace_id),
  };
}

/** `"<message>" (code 131047, fbtrace_id A1b2)`: Meta's reason, safe to show an agent. */
export function describeGraphError(status: number, e: GraphError | null): string {
  if (!e) return `the Graph API answered HTTP ${status}`;
  const code = e.code === null ? '' : `code ${e.code}${e.subcode === null ? '' : `/${e.subcode}`}`;
  const parts = [code, e.type ?? '', e.fbtraceId ? `fbtrace_id ${e.fbtraceId}` : ''].filter(Boolean);
  const text = (e.message ?? `HTTP ${status}`).slice(0, 500);
  return parts.length ? `${text} (${parts.join(', ')})` : text;
}

/** The body of a response as JSON, or null (never throws). */
export async function jsonOrNull(res: Response): Promise<unknown> {
  try {
    return JSON.parse(await res.text());
  } catch {
    return null;
  }
}

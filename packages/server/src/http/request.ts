/**
 * What every route reads the same way from a request: one header as a string,
 * and the trace id that follows the request through every hop's log line.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Longest caller-supplied `X-Request-Id` kept as the trace id. */
const MAX_TRACE_CHARS = 100;

/** One request header as a string (the first one when repeated). */
export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The caller's `X-Request-Id` (at most 100 characters); a new id when it is absent or empty. */
export function traceOf(req: FastifyRequest): string {
  return header(req, 'x-request-id')?.slice(0, MAX_TRACE_CHARS) || randomUUID();
}

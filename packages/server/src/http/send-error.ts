import type { FastifyReply } from 'fastify';
import { type ErrorName, ErrorTable, NewtonError } from '../core/index.js';

/** Fastify's own error codes, mapped onto Newton's table. */
const FASTIFY_CODES: Record<string, ErrorName> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'NEWTON_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'NEWTON_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'NEWTON_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'NEWTON_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'NEWTON_ERR_INVALID_REQUEST',
};

/** The table's entry for a 4xx status raised outside Newton's own errors. */
const BY_STATUS: Partial<Record<number, ErrorName>> = {
  401: 'NEWTON_ERR_UNAUTHORIZED',
  403: 'NEWTON_ERR_FORBIDDEN',
  404: 'NEWTON_ERR_NOT_FOUND',
  413: 'NEWTON_ERR_PAYLOAD_TOO_LARGE',
  415: 'NEWTON_ERR_UNSUPPORTED_MEDIA_TYPE',
};

/** Sends any error as `{error, message, …}` with the right status; never leaks a stack. */
export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof NewtonError) return reply.code(err.statusCode).send(err.toJSON());
  const e = err as { code?: string; statusCode?: number; message?: string; validation?: unknown };
  if (e.validation) {
    const entry = ErrorTable.NEWTON_ERR_INVALID_REQUEST;
    return reply.code(400).send({ error: entry.code, message: e.message ?? entry.message });
  }
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) {
    const entry = ErrorTable[mapped];
    return reply.code(entry.status).send({ error: entry.code, message: e.message ?? entry.message });
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    // Other client errors Fastify or a plugin raised (a JSON syntax error, a
    // range @fastify/static cannot serve): the status stays, the code comes
    // from the table.
    const entry = ErrorTable[BY_STATUS[e.statusCode] ?? 'NEWTON_ERR_INVALID_REQUEST'];
    return reply.code(e.statusCode).send({ error: entry.code, message: e.message ?? entry.message });
  }
  reply.log.error({ err }, 'request failed');
  return reply.code(500).send({ error: ErrorTable.NEWTON_ERR_INTERNAL.code, message: 'internal error' });
}

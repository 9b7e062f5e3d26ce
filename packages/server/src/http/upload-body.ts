/**
 * The raw body of an upload (issue #15 §7), read into memory up to a limit:
 * a declared `Content-Length` over the limit is refused before a byte is
 * read, a chunked body as soon as it passes it (413 `media_too_large`; Node
 * discards the rest of the request).
 */
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { newtonError } from '../core/index.js';

function tooLarge(maxBytes: number) {
  return newtonError(
    'NEWTON_ERR_MEDIA_TOO_LARGE',
    `the file is larger than ${maxBytes} bytes (OUTBOUND_MEDIA_MAX_BYTES)`,
    { max_bytes: maxBytes },
  );
}

export async function readUpload(req: FastifyRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const body = req.body as Readable | Buffer | undefined;
  if (!body) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) {
    if (body.length > maxBytes) throw tooLarge(maxBytes);
    return body;
  }
  if (typeof (body as Readable)[Symbol.asyncIterator] !== 'function') {
    throw newtonError(
      'NEWTON_ERR_UNSUPPORTED_MEDIA_TYPE',
      'send the file as the raw body with its Content-Type',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as Readable) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

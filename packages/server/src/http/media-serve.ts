import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/index.js';
import { newtonError } from '../core/index.js';
import type { BlobStore } from '../media/index.js';
import type { MediaRecord } from '../store/index.js';
import { parseRange } from './byte-range.js';

/** `filename*=` of Content-Disposition (RFC 6266/5987), ASCII-safe. */
export function dispositionOf(fileName: string | null): string {
  if (!fileName) return 'inline';
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Answers from the media store: the whole file (200) or one range of it
 * (206), with its type, name, length and ETag (its SHA-256). Returns false
 * when the store cannot read it (the caller falls back to the provider).
 */
export async function serveStored(
  req: FastifyRequest,
  reply: FastifyReply,
  record: MediaRecord,
  blobs: BlobStore,
  log: Logger,
): Promise<boolean> {
  const size = record.size ?? 0;
  const key = record.storageKey;
  if (!key) return false;
  const etag = `"${record.sha256}"`;
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('cache-control', 'private, max-age=86400')
    .header('x-content-type-options', 'nosniff')
    .header('content-disposition', dispositionOf(record.fileName));
  // A stale If-Range (another file) asks for the whole file.
  const ifRange = req.headers['if-range'];
  const rangeHeader = ifRange && ifRange !== etag ? undefined : req.headers.range;
  const range = parseRange(rangeHeader, size);
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${size}`);
    throw newtonError('NEWTON_ERR_RANGE_NOT_SATISFIABLE', `the media has ${size} bytes`);
  }
  let body: NodeJS.ReadableStream;
  try {
    body = await blobs.read(key, range.kind === 'partial' ? range : undefined);
  } catch (err) {
    log.warn({ err, store: blobs.kind }, 'stored media unreadable: falling back to the provider');
    return false;
  }
  reply.header('content-type', record.mimeType ?? 'application/octet-stream');
  if (range.kind === 'partial') {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', String(range.end - range.start + 1));
  } else {
    reply.header('content-length', String(size));
  }
  log.info(
    { size, range: range.kind === 'partial' ? [range.start, range.end] : null },
    'media served from the store',
  );
  await reply.send(body);
  return true;
}

/**
 * Reads a webhook body from the request stream up to WEBHOOK_BODY_LIMIT.
 * Over the limit it keeps only the first HEAD_BYTES, drains and discards the
 * rest (so the provider reads the 413 instead of a reset connection), and
 * throws BodyTooLarge with that head: the answer and the receipt can then say
 * who posted what (body-head.ts).
 */
import type { IncomingMessage } from 'node:http';
import { HEAD_BYTES } from './body-head.js';

/** A body over the webhook limit, with what was kept of its head. */
export class BodyTooLarge extends Error {
  readonly statusCode = 413;
  /** Maps onto `payload_too_large` in send-error.ts like Fastify's own. */
  readonly code = 'FST_ERR_CTP_BODY_TOO_LARGE';
  constructor(
    /** Bytes received (all of them, drained). */
    readonly bytes: number,
    readonly limit: number,
    /** The first bytes of the body (at most HEAD_BYTES). */
    readonly head: Buffer,
  ) {
    super(`the body is ${bytes} bytes, over the webhook limit of ${limit} bytes (WEBHOOK_BODY_LIMIT)`);
  }
}

/**
 * Past this many bytes a body is read one chunk per event-loop turn. Left to
 * itself, libuv reads up to 32 chunks (2 MiB) of a fast sender's body in one
 * go, with every other webhook's work waiting behind; a 21 MiB body held the
 * others' answers and database round trips for tens of ms at a time (#13).
 */
export const YIELD_AFTER_BYTES = 256 * 1024;

/** Stops reading `stream` until the event loop's next turn, so what else is ready runs first. */
function yieldTurn(stream: IncomingMessage): void {
  stream.pause();
  setImmediate(() => stream.resume());
}

/**
 * The whole body as one Buffer with an ArrayBuffer of its own (so it can be
 * transferred to a worker thread without a copy). With a Content-Length the
 * buffer is allocated once and chunks are copied in as they come: a big body
 * never costs one long concatenation on the event loop.
 */
export function readBody(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(stream.headers['content-length']);
  const hasLength = Number.isSafeInteger(declared) && declared >= 0;
  return new Promise((resolve, reject) => {
    let out = hasLength && declared <= limit ? Buffer.allocUnsafeSlow(declared) : null;
    const chunks: Buffer[] = [];
    let bytes = 0;
    // Set once the body is known to be over the limit: from then on only the head is kept.
    let head: Buffer | null = hasLength && declared > limit ? Buffer.alloc(0) : null;

    stream.on('data', (chunk: Buffer) => {
      const before = bytes;
      bytes += chunk.length;
      if (bytes > YIELD_AFTER_BYTES) yieldTurn(stream);
      if (!head && bytes > limit) {
        const keep = Math.min(before, HEAD_BYTES);
        head = out ? Buffer.from(out.subarray(0, keep)) : Buffer.concat(chunks, keep);
        out = null;
        chunks.length = 0;
      }
      if (head) {
        if (head.length < HEAD_BYTES)
          head = Buffer.from(Buffer.concat([head, chunk]).subarray(0, HEAD_BYTES));
        return; // draining
      }
      if (out && bytes <= out.length) chunk.copy(out, before);
      else {
        // No (or a wrong) Content-Length: collect and join at the end.
        if (out) chunks.push(out.subarray(0, before));
        out = null;
        chunks.push(chunk);
      }
    });
    stream.on('error', reject);
    // A client gone mid-body: nothing to answer, but the buffer must not be held.
    stream.on('close', () => {
      if (!stream.readableEnded) reject(new Error('the request was aborted before its body ended'));
    });
    stream.on('end', () => {
      if (head) return reject(new BodyTooLarge(bytes, limit, head));
      if (out && bytes === out.length) return resolve(out);
      const joined = Buffer.allocUnsafeSlow(bytes);
      let at = 0;
      for (const c of out ? [out.subarray(0, bytes)] : chunks) {
        c.copy(joined, at);
        at += c.length;
      }
      resolve(joined);
    });
  });
}

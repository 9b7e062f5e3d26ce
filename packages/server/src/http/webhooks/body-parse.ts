/**
 * Turns a webhook body's bytes into JSON with the embedded media cut out
 * (providers/evolution/inline-media.ts). Runs on the event loop for small
 * bodies and on a worker thread (body-pool.ts) for big ones, so the same
 * code decides in both places.
 */
import { type InlineMedia, takeInlineMedia } from '../../providers/evolution/inline-media.js';

/** A parsed webhook body: the JSON without embedded media, the media, the size it had. */
export interface ParsedBody {
  json: unknown;
  inline: InlineMedia[];
  bytes: number;
}

/** What parseBody answers: the parsed body, or why the bytes are not JSON. */
export type ParseOutcome = { ok: true; body: ParsedBody } | { ok: false; reason: string };

/** Parses `bytes` as UTF-8 JSON and cuts out Evolution's `message.base64`; never throws. */
export function parseBody(bytes: Uint8Array): ParseOutcome {
  let json: unknown;
  try {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    if (text.trim() === '') return { ok: false, reason: 'the body is empty' };
    json = JSON.parse(text);
  } catch (err) {
    // V8 quotes a piece of the input in its message: keep the position, never the body's text.
    const why = (err as Error).message.replace(/, (\.\.\.)?".*$/s, '').slice(0, 200);
    return { ok: false, reason: `the body is not valid JSON: ${why}` };
  }
  return { ok: true, body: { json, inline: takeInlineMedia(json), bytes: bytes.byteLength } };
}

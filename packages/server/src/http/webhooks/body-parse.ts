/**
 * Turns a webhook body's bytes into JSON with the embedded media cut out
 * (providers/evolution/inline-media.ts). Runs on the event loop for small
 * bodies and on a worker thread (body-pool.ts) for big ones, so the same
 * code decides in both places.
 */

import { type InlineMedia, takeInlineMedia } from '../../providers/evolution/inline-media.js';
import { isObj } from '../../providers/json-read.js';

/** A parsed webhook body: the JSON without embedded media, the media, the size it had. */
export interface ParsedBody {
  json: unknown;
  inline: InlineMedia[];
  bytes: number;
}

/** What parseBody answers: the parsed body, or why the bytes are not JSON. */
export type ParseOutcome = { ok: true; body: ParsedBody } | { ok: false; reason: string };

const KEY = Buffer.from('"base64":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** A base64 value at least this long is cut out of the bytes before JSON.parse. */
const CUT_MIN_BYTES = 64 * 1024;
/** What the cut value reads as once parsed; `\u0000` cannot come from a body at this place. */
const PLACEHOLDER = '\u0000newton-inline-media';

/**
 * The bytes with the one long `"base64":"…"` value replaced by PLACEHOLDER,
 * and that value: a photo's body then parses as a few KiB of JSON instead of
 * MiBs of UTF-8 text and string. Null when there is not exactly one such
 * value free of escapes (the whole body is then parsed as it is).
 */
function cutBase64(buf: Buffer): { text: string; value: Buffer } | null {
  const at = buf.indexOf(KEY);
  if (at < 0) return null;
  const start = at + KEY.length;
  const end = buf.indexOf(QUOTE, start);
  if (end < 0 || end - start < CUT_MIN_BYTES || buf.indexOf(KEY, end) >= 0) return null;
  const value = buf.subarray(start, end);
  if (value.includes(BACKSLASH)) return null;
  const text = `${buf.toString('utf8', 0, start)}${JSON.stringify(PLACEHOLDER).slice(1, -1)}${buf.toString('utf8', end)}`;
  return { text, value };
}

function parseJson(text: string): { ok: true; json: unknown } | { ok: false; reason: string } {
  try {
    if (text.trim() === '') return { ok: false, reason: 'the body is empty' };
    return { ok: true, json: JSON.parse(text) };
  } catch (err) {
    // V8 quotes a piece of the input in its message: keep the position, never the body's text.
    const why = (err as Error).message.replace(/, (\.\.\.)?".*$/s, '').slice(0, 200);
    return { ok: false, reason: `the body is not valid JSON: ${why}` };
  }
}

/** Parses `bytes` as UTF-8 JSON and cuts out Evolution's `message.base64`; never throws. */
export function parseBody(bytes: Uint8Array): ParseOutcome {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cut = buf.length > CUT_MIN_BYTES ? cutBase64(buf) : null;
  let parsed = parseJson(cut ? cut.text : buf.toString('utf8'));
  if (cut && parsed.ok) {
    const data = isObj(parsed.json) ? parsed.json.data : undefined;
    const message = isObj(data) && isObj(data.message) ? data.message : undefined;
    // Base64 is ASCII: latin1 reads it back without a UTF-8 decode.
    if (message?.base64 === PLACEHOLDER) message.base64 = cut.value.toString('latin1');
    else parsed = parseJson(buf.toString('utf8')); // the key was elsewhere: parse it all
  }
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    body: { json: parsed.json, inline: takeInlineMedia(parsed.json), bytes: bytes.byteLength },
  };
}

/**
 * Media Evolution embeds in a webhook when the instance's webhook has
 * `base64: true` (docs/api.md §1.5): `data.message.base64`, beside
 * `imageMessage`/`audioMessage`/…, set in EvolutionAPI/evolution-api
 * `src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts`
 * (`messages.upsert` handler: `messageRaw.message.base64 = buffer.toString('base64')`,
 * read at commit 00e191fff9514a2fa9d37d523a83ed2a9bf45e01). A photo's webhook
 * is then megabytes of base64. takeInlineMedia cuts it out of the parsed body
 * and decodes it, so only the small payload goes on (never into message rows,
 * events, receipts or logs). Pure: no I/O; runs on a body-parsing worker thread.
 */
import { createHash } from 'node:crypto';
import { isObj, type Obj } from '../json-read.js';

/** The embedded media of one `data` item, cut out of the body. */
export interface InlineMedia {
  /** Index of the item in `data` (0 when `data` is one object). */
  item: number;
  /** The decoded bytes; absent when they could not be used (see `error`). */
  bytes?: Uint8Array;
  /**
   * Their SHA-256 (hex), computed where they were decoded: for a big body
   * that is the body-parsing thread, so the event loop never hashes MiBs.
   */
  sha256?: string;
  /** Why the embedded base64 could not be used: the media keeper then fetches from the provider. */
  error?: string;
  /** Length of the base64 text removed from the body. */
  chars: number;
}

const DATA_URL = /^data:[^,]{0,200};base64,/;
/** Wrappers whose `message` holds the media part (as in parse.ts). */
const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'documentWithCaptionMessage'];

/**
 * A byte count as Baileys' `fileLength` arrives: a number, a numeric string or
 * a protobuf Long `{low, high}`. Read here rather than with parse.ts's
 * toCount: this module is loaded by worker threads, which should not load the
 * whole parser (zod, phone numbers) to start.
 */
function sizeOf(value: unknown): number | null {
  const n =
    typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))
      ? Number(value)
      : isObj(value) && typeof value.low === 'number' && typeof value.high === 'number'
        ? value.high * 2 ** 32 + (value.low >>> 0)
        : null;
  return n !== null && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** The size the message says its media has (`fileLength` of its media part), if any. */
function declaredLength(message: Obj): number | null {
  const parts = Object.values(message).filter(isObj);
  for (const wrapper of WRAPPERS) {
    const inner = message[wrapper];
    if (isObj(inner) && isObj(inner.message)) parts.push(...Object.values(inner.message).filter(isObj));
  }
  for (const part of parts) {
    const n = sizeOf(part.fileLength);
    if (n !== null) return n;
  }
  return null;
}

/** Decodes Evolution's base64 (`Buffer#toString('base64')`: no line breaks), or says why not. */
export function decodeInlineBase64(
  value: unknown,
  declared: number | null,
): { bytes: Uint8Array; sha256: string } | { error: string } {
  if (typeof value !== 'string') return { error: 'embedded base64 is not a string' };
  const text = value.replace(DATA_URL, '');
  if (text.length === 0) return { error: 'embedded base64 is empty' };
  if (text.length % 4 !== 0) {
    return { error: `embedded base64 is truncated (${text.length} characters, not a multiple of 4)` };
  }
  const buf = Buffer.from(text, 'base64');
  // Node skips characters outside the alphabet: the decoded length tells (a regex over MiBs is slow).
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (buf.length !== (text.length / 4) * 3 - padding) {
    return { error: 'embedded base64 has characters outside the base64 alphabet' };
  }
  if (declared !== null && buf.length < declared) {
    return { error: `embedded base64 is truncated (${buf.length} bytes, the message says ${declared})` };
  }
  // A buffer of its own (never a slice of Node's pool), so it can be transferred between threads.
  const bytes = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? buf : new Uint8Array(buf);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Removes `message.base64` from every item of a parsed Evolution body and
 * returns it decoded, by item. The body is changed in place; anything that is
 * not an Evolution message body is left alone (the webhook handler judges it).
 */
export function takeInlineMedia(body: unknown): InlineMedia[] {
  if (!isObj(body)) return [];
  const items = Array.isArray(body.data) ? body.data : [body.data];
  const out: InlineMedia[] = [];
  items.forEach((data, item) => {
    if (!isObj(data) || !isObj(data.message) || !('base64' in data.message)) return;
    const message = data.message;
    const raw = message.base64;
    delete message.base64;
    // Evolution sets `base64: undefined` when the download failed: nothing was embedded.
    if (raw === null || raw === undefined) return;
    const chars = typeof raw === 'string' ? raw.length : 0;
    const decoded = decodeInlineBase64(raw, declaredLength(message));
    out.push({ item, chars, ...decoded });
  });
  return out;
}

/**
 * One attempt at a message's media bytes: the provider's fetcher (Evolution
 * getBase64FromMediaMessage, Cloud media id → URL with the token) under a
 * time limit, read whole up to the size cap, and every way it can fail as a
 * stable reason code for `media_failed`.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MediaFetchError, type MediaFetchers } from '../providers/index.js';
import type { MediaSource } from '../store/index.js';

/** Why an attempt failed: a stable code, a sentence, and whether trying again can help. */
export class MediaKeepError extends Error {
  constructor(
    /** `provider_unavailable` | `timeout` | `too_large` | `store_unavailable` | `not_fetchable` */
    readonly reason: string,
    detail: string,
    /** No later attempt can succeed (too large, no fetcher): Newton gives up at once. */
    readonly final = false,
  ) {
    super(detail);
    this.name = 'MediaKeepError';
  }
}

export interface FetchedMedia {
  bytes: Buffer;
  contentType: string;
  sha256: string;
}

/** Bytes a webhook embedded, with their SHA-256 when it was computed where they were decoded. */
export interface InlineBytes {
  bytes: Uint8Array;
  sha256?: string | undefined;
}

/**
 * SHA-256 in hex of bytes already in memory, a MiB per event-loop turn: one
 * digest of a 16 MiB photo held every other webhook for 20–40 ms (#13's
 * big-body test; WebCrypto's digest copies the input on the event loop first).
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < bytes.length; at += HASH_SLICE) {
    if (at > 0) await nextTurn();
    hash.update(bytes.subarray(at, at + HASH_SLICE));
  }
  return hash.digest('hex');
}

const HASH_SLICE = 1024 * 1024;

/** The whole body and its SHA-256, hashed chunk by chunk as it arrives. */
async function readAll(body: Readable, maxBytes: number): Promise<{ bytes: Buffer; sha256: string }> {
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  let seen = 0;
  for await (const chunk of body) {
    seen += (chunk as Buffer).length;
    if (seen > maxBytes) {
      body.destroy();
      throw new MediaFetchError('too_large', `the media is over ${maxBytes} bytes (MEDIA_MAX_BYTES)`);
    }
    chunks.push(chunk as Buffer);
    hash.update(chunk as Buffer);
  }
  return { bytes: Buffer.concat(chunks), sha256: hash.digest('hex') };
}

/** Bytes the provider embedded in the webhook, checked against the cap. */
export async function inlineBytes(
  source: MediaSource,
  inline: InlineBytes,
  maxBytes: number,
): Promise<FetchedMedia> {
  const raw = inline.bytes;
  if (raw.length > maxBytes) {
    throw new MediaKeepError(
      'too_large',
      `the media is ${raw.length} bytes, more than the ${maxBytes} bytes this server keeps (MEDIA_MAX_BYTES)`,
      true,
    );
  }
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const contentType = source.media?.mime_type || 'application/octet-stream';
  return { bytes, contentType, sha256: inline.sha256 ?? (await sha256Hex(bytes)) };
}

/**
 * Fetches the media of `source` from its provider within `timeoutMs` (or
 * until `stop` aborts); rejects with a MediaKeepError.
 */
export async function fetchMedia(
  fetchers: MediaFetchers,
  source: MediaSource,
  o: { maxBytes: number; timeoutMs: number; stop: AbortSignal },
): Promise<FetchedMedia> {
  const fetcher = fetchers.get(source.provider);
  if (!fetcher || !source.media) {
    throw new MediaKeepError('not_fetchable', `media of ${source.provider} messages cannot be fetched`, true);
  }
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = AbortSignal.any([timeout, o.stop]);
  try {
    const media = await fetcher.fetch({
      instance: source.instance,
      providerMessageId: source.providerMessageId,
      media: source.media,
      maxBytes: o.maxBytes,
      signal,
    });
    const { bytes, sha256 } = await readAll(media.body, o.maxBytes);
    return { bytes, contentType: media.contentType, sha256 };
  } catch (err) {
    if (timeout.aborted) {
      throw new MediaKeepError(
        'timeout',
        `the provider did not deliver the media within ${o.timeoutMs} ms (MEDIA_FETCH_TIMEOUT_MS)`,
      );
    }
    if (err instanceof MediaFetchError) {
      throw new MediaKeepError(
        err.kind === 'too_large' ? 'too_large' : 'provider_unavailable',
        err.message,
        err.kind === 'too_large',
      );
    }
    throw new MediaKeepError(
      'provider_unavailable',
      `the media could not be read (${(err as Error).message})`,
    );
  }
}

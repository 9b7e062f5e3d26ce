/**
 * The provider-neutral way to fetch a message's media on demand
 * (`GET /api/messages/{id}/media`): what a provider's fetcher is given, what
 * it hands back (a byte stream, never more than the limit), and how it fails.
 */
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { MediaInfo, ProviderName } from '@newton/protocol';
import type { Instance } from '../core/index.js';

export interface MediaRequest {
  /** The instance that received the message, with its credentials (never log them). */
  instance: Instance;
  providerMessageId: string;
  /** Stored metadata (mime type, size, `provider_ref`). */
  media: MediaInfo;
  /** Largest number of bytes to deliver. */
  maxBytes: number;
  /** Aborts every provider request (timeout, or the client went away). */
  signal: AbortSignal;
}

export interface MediaStream {
  /** Content type as the provider gives it. */
  contentType: string;
  /** Byte length when known before streaming. */
  size: number | null;
  body: Readable;
}

/**
 * Why media could not be delivered: `too_large` (→ 413) or `unavailable`
 * (the provider failed or the instance cannot fetch media; → 502). `message`
 * is for the caller: it never contains credentials.
 */
export class MediaFetchError extends Error {
  constructor(
    readonly kind: 'too_large' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'MediaFetchError';
  }
}

export interface MediaFetcher {
  readonly provider: ProviderName;
  fetch(req: MediaRequest): Promise<MediaStream>;
}

export function tooLarge(size: number, maxBytes: number): MediaFetchError {
  return new MediaFetchError(
    'too_large',
    `the media is ${size} bytes, more than the ${maxBytes} bytes this server delivers (MEDIA_MAX_BYTES)`,
  );
}

/**
 * A web stream as a Node stream that fails once more than `maxBytes` went
 * through (a provider that sent no or a wrong Content-Length).
 */
export function limitedStream(body: WebReadableStream<Uint8Array>, maxBytes: number): Readable {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(tooLarge(seen, maxBytes));
      else done(null, chunk);
    },
  });
  const source = Readable.fromWeb(body);
  source.on('error', (err) => limiter.destroy(err));
  limiter.on('close', () => source.destroy());
  return source.pipe(limiter);
}

/**
 * Reads a response body as text, failing with `too_large` past `maxChars`
 * bytes without reading further (for providers that answer media as base64 JSON).
 */
export async function readCapped(
  res: Response,
  maxBytes: number,
  what: () => MediaFetchError,
): Promise<string> {
  const length = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length) && length > maxBytes) {
    await res.body?.cancel();
    throw what();
  }
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.length;
    if (seen > maxBytes) {
      await res.body.cancel().catch(() => {});
      throw what();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Fetch failures (network, abort) as `unavailable`, naming the cause but no URL or credential. */
export function unreachable(err: unknown, signal: AbortSignal, who: string): MediaFetchError {
  if (err instanceof MediaFetchError) return err;
  if (signal.aborted) return new MediaFetchError('unavailable', `${who} did not deliver the media in time`);
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new MediaFetchError('unavailable', `could not reach ${who} (${detail})`);
}

/** Media fetchers by provider; the composition root (app.ts) fills it. */
export class MediaFetchers {
  private readonly fetchers = new Map<ProviderName, MediaFetcher>();

  register(fetcher: MediaFetcher): this {
    this.fetchers.set(fetcher.provider, fetcher);
    return this;
  }

  get(provider: ProviderName): MediaFetcher | undefined {
    return this.fetchers.get(provider);
  }
}

/**
 * Media of Cloud API messages, fetched on demand: the webhook carries a media
 * id; `GET {graph}/{media-id}` (bearer) answers `{url, mime_type, file_size,
 * sha256, id}`, and `GET url` with the same bearer token answers the bytes,
 * which are streamed through, never buffered.
 */
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  limitedStream,
  MediaFetchError,
  type MediaFetcher,
  type MediaRequest,
  type MediaStream,
  tooLarge,
  unreachable,
} from '../media-fetch.js';
import { describeGraphError, graphBase, graphError, graphHeaders, jsonOrNull } from './graph.js';

export class CloudMediaFetcher implements MediaFetcher {
  readonly provider = 'cloud' as const;

  async fetch(req: MediaRequest): Promise<MediaStream> {
    const { instance, maxBytes, signal } = req;
    const mediaId = req.media.provider_ref;
    if (!mediaId) throw new MediaFetchError('unavailable', 'the message has no Cloud API media id');
    if (!instance.apikey) {
      throw new MediaFetchError(
        'unavailable',
        `Cloud API number ${instance.name} has no access token (newton instance add … --access-token)`,
      );
    }
    if (req.media.size !== null && req.media.size > maxBytes) throw tooLarge(req.media.size, maxBytes);

    let meta: { url?: unknown; mime_type?: unknown; file_size?: unknown };
    try {
      const res = await fetch(`${graphBase(instance)}/${encodeURIComponent(mediaId)}`, {
        headers: graphHeaders(instance),
        signal,
      });
      const body = await jsonOrNull(res);
      if (!res.ok) {
        throw new MediaFetchError(
          'unavailable',
          `the Graph API refused the media id: ${describeGraphError(res.status, graphError(body))}`,
        );
      }
      meta = (body ?? {}) as typeof meta;
    } catch (err) {
      throw unreachable(err, signal, 'the Graph API');
    }
    if (typeof meta.url !== 'string' || !/^https?:\/\//.test(meta.url)) {
      throw new MediaFetchError('unavailable', 'the Graph API answered without a media url');
    }
    const declared = typeof meta.file_size === 'number' ? meta.file_size : Number(meta.file_size);
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);

    let res: Response;
    try {
      res = await fetch(meta.url, { headers: graphHeaders(instance), signal });
    } catch (err) {
      throw unreachable(err, signal, 'the WhatsApp media server');
    }
    if (!res.ok || !res.body) {
      const body = await jsonOrNull(res);
      throw new MediaFetchError(
        'unavailable',
        `the WhatsApp media server answered ${describeGraphError(res.status, graphError(body))}`,
      );
    }
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && length > maxBytes) {
      await res.body.cancel().catch(() => {});
      throw tooLarge(length, maxBytes);
    }
    const contentType =
      (typeof meta.mime_type === 'string' && meta.mime_type) ||
      res.headers.get('content-type') ||
      req.media.mime_type ||
      'application/octet-stream';
    const size = Number.isFinite(length) ? length : Number.isFinite(declared) ? declared : null;
    return {
      contentType,
      size,
      body: limitedStream(res.body as unknown as WebReadableStream<Uint8Array>, maxBytes),
    };
  }
}

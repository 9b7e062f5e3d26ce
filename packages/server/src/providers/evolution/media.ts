/**
 * Media of Evolution messages, fetched on demand: Evolution keeps only
 * WhatsApp's encrypted URL in the webhook (docs/api.md §1.5) and decrypts on
 * `POST {url}/chat/getBase64FromMediaMessage/{instance}` (header `apikey`,
 * body `{"message":{"key":{"id"}},"convertToMp4":false}`), which answers
 * `{mediaType, fileName, size, mimetype, base64}`.
 */
import { Readable } from 'node:stream';
import {
  MediaFetchError,
  type MediaFetcher,
  type MediaRequest,
  type MediaStream,
  readCapped,
  tooLarge,
  unreachable,
} from '../media-fetch.js';

/** JSON and field names around the base64 text. */
const ENVELOPE_SLACK = 64 * 1024;

/** Evolution's error body `{"status":400,"error":"Bad Request","response":{"message":[…]}}` as text. */
function evolutionReason(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { response?: { message?: unknown }; message?: unknown };
    const message = body.response?.message ?? body.message;
    if (message !== undefined)
      return `Evolution answered HTTP ${status}: ${JSON.stringify(message).slice(0, 300)}`;
  } catch {
    // not JSON: fall through
  }
  return `Evolution answered HTTP ${status}`;
}

export class EvolutionMediaFetcher implements MediaFetcher {
  readonly provider = 'evolution' as const;

  async fetch(req: MediaRequest): Promise<MediaStream> {
    const { instance, maxBytes, signal } = req;
    if (req.media.size !== null && req.media.size > maxBytes) throw tooLarge(req.media.size, maxBytes);
    if (!instance.baseUrl) {
      throw new MediaFetchError(
        'unavailable',
        `instance "${instance.name}" has no Evolution URL (newton instance add … --url), so its media cannot be fetched`,
      );
    }
    const url = `${instance.baseUrl.replace(/\/+$/, '')}/chat/getBase64FromMediaMessage/${encodeURIComponent(instance.name)}`;
    let text: string;
    let status: number;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(instance.apikey ? { apikey: instance.apikey } : {}),
        },
        body: JSON.stringify({ message: { key: { id: req.providerMessageId } }, convertToMp4: false }),
        signal,
      });
      status = res.status;
      // base64 is 4/3 of the bytes.
      const cap = Math.ceil((maxBytes * 4) / 3) + ENVELOPE_SLACK;
      text = await readCapped(res, cap, () =>
        tooLarge(req.media.size ?? Math.floor(((cap - ENVELOPE_SLACK) * 3) / 4) + 1, maxBytes),
      );
    } catch (err) {
      throw unreachable(err, signal, 'Evolution');
    }
    if (status < 200 || status >= 300)
      throw new MediaFetchError('unavailable', evolutionReason(status, text));
    let body: { base64?: unknown; mimetype?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new MediaFetchError('unavailable', 'Evolution answered with a body that is not JSON');
    }
    if (typeof body.base64 !== 'string' || body.base64 === '') {
      throw new MediaFetchError('unavailable', 'Evolution answered without "base64"');
    }
    const bytes = Buffer.from(body.base64.replace(/^data:[^,]*,/, ''), 'base64');
    if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes);
    const contentType =
      (typeof body.mimetype === 'string' && body.mimetype) ||
      req.media.mime_type ||
      'application/octet-stream';
    return { contentType, size: bytes.length, body: Readable.from([bytes]) };
  }
}

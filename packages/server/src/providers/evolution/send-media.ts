/**
 * Media and quotes through Evolution API v2 (EvolutionAPI/evolution-api,
 * `src/validate/message.schema.ts` and `src/api/dto/sendMessage.dto.ts`):
 * `POST /message/sendMedia/{instance}` `{number, mediatype, mimetype, media, fileName?, caption?}`
 * with `media` as base64 (Evolution takes a URL or base64), and
 * `POST /message/sendWhatsAppAudio/{instance}` `{number, audio}` for a voice note
 * (Evolution converts it to a push-to-talk OGG/Opus). A reply quoting a
 * message carries `quoted: {key: {id, fromMe, remoteJid?}, message: {conversation}}`
 * (quotedOptionsSchema: `key.id` required; Evolution looks the message up by
 * key when `message` is absent, so the text is sent along).
 */
import {
  ProviderSendError,
  type QuotedRef,
  SendErrorCode,
  type SendMediaRequest,
  type SendResult,
} from '../../core/index.js';

/** Evolution's `quoted` option for a reply quoting `q`. */
export function evolutionQuoted(q: QuotedRef, remoteJid: string | null): Record<string, unknown> {
  return {
    key: { id: q.providerMessageId, fromMe: q.fromMe, ...(remoteJid ? { remoteJid } : {}) },
    message: { conversation: q.content ?? '' },
  };
}

/** The JSON body of a sendMedia / sendWhatsAppAudio call, and its path. */
export function evolutionMediaCall(
  req: SendMediaRequest,
  number: string,
  remoteJid: string | null,
): { path: string; body: Record<string, unknown> } {
  const instance = encodeURIComponent(req.instance.name);
  const quoted = req.quoted ? { quoted: evolutionQuoted(req.quoted, remoteJid) } : {};
  const media = req.bytes.toString('base64');
  if (req.kind === 'voice') {
    return { path: `/message/sendWhatsAppAudio/${instance}`, body: { number, audio: media, ...quoted } };
  }
  return {
    path: `/message/sendMedia/${instance}`,
    body: {
      number,
      mediatype: req.kind,
      mimetype: req.mimeType,
      media,
      ...(req.fileName ? { fileName: req.fileName } : {}),
      ...(req.caption ? { caption: req.caption } : {}),
      ...quoted,
    },
  };
}

/** The `key.id` of Evolution's answer; a 2xx without it is final (a retry could send twice). */
export function evolutionKeyId(status: number, body: unknown): SendResult {
  const id = (body as { key?: { id?: unknown } } | undefined)?.key?.id;
  if (typeof id !== 'string' || id === '') {
    throw new ProviderSendError({
      code: SendErrorCode.INVALID_PROVIDER_ANSWER,
      reason: `Evolution answered ${status} without key.id`,
      retryable: false,
      status,
    });
  }
  return { providerMessageId: id };
}

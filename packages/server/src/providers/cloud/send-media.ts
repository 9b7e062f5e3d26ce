/**
 * Media, quotes and templates through the WhatsApp Cloud API (Meta,
 * developers.facebook.com/documentation/business-messaging/whatsapp: "Upload
 * media", "Image/Document/Audio messages", "Contextual replies", "Template
 * messages"):
 * - upload: `POST /{phone_number_id}/media`, multipart `messaging_product=whatsapp`,
 *   `type=<mime>`, `file=<bytes>` → `{"id": "<media id>"}`;
 * - send: `POST /{phone_number_id}/messages` with `type: image|document|audio` and
 *   `{id, caption?}` / `{id, caption?, filename?}` / `{id, voice?}` (`voice: true`
 *   for an OGG/Opus voice note);
 * - a reply quoting a message adds `context: {message_id: <wamid>}`;
 * - a template: `type: template`, `template: {name, language: {code}, components:
 *   [{type: body, parameters: [{type: text, text, parameter_name?}]}]}`.
 */
import type { Instance, QuotedRef, SendMediaRequest, SendTemplateRequest } from '../../core/index.js';
import { networkSendError, ProviderSendError, SendErrorCode } from '../../core/index.js';
import { graphBase, graphHeaders, jsonOrNull } from './graph.js';

export { placeholdersOf, renderTemplate } from '../../core/template-text.js';

/** `context` of a reply quoting `q`, when any. */
export function cloudContext(q: QuotedRef | undefined): { context?: { message_id: string } } {
  return q ? { context: { message_id: q.providerMessageId } } : {};
}

/** The message body of a media send once the file is uploaded as `mediaId`. */
export function cloudMediaMessage(
  req: SendMediaRequest,
  to: string,
  mediaId: string,
): Record<string, unknown> {
  const type = req.kind === 'voice' ? 'audio' : req.kind;
  const object =
    req.kind === 'image'
      ? { id: mediaId, ...(req.caption ? { caption: req.caption } : {}) }
      : req.kind === 'document'
        ? {
            id: mediaId,
            ...(req.caption ? { caption: req.caption } : {}),
            ...(req.fileName ? { filename: req.fileName } : {}),
          }
        : { id: mediaId, ...(req.kind === 'voice' && req.mimeType === 'audio/ogg' ? { voice: true } : {}) };
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    ...cloudContext(req.quoted),
    type,
    [type]: object,
  };
}

/** The message body of a template send. */
export function cloudTemplateMessage(
  req: SendTemplateRequest,
  to: string,
  placeholders: string[],
): Record<string, unknown> {
  const named = placeholders.some((p) => !/^\d+$/.test(p));
  const parameters = req.variables.map((text, i) => ({
    type: 'text',
    ...(named ? { parameter_name: placeholders[i] } : {}),
    text,
  }));
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: req.name,
      language: { code: req.language },
      ...(parameters.length > 0 ? { components: [{ type: 'body', parameters }] } : {}),
    },
  };
}

/**
 * Uploads the file to the number's media (`POST /{phone_number_id}/media`,
 * multipart); resolves with Meta's media id. Failures are ProviderSendErrors
 * (classified by `onError` like a send's).
 */
export async function uploadCloudMedia(
  instance: Instance,
  file: { bytes: Buffer; mimeType: string; fileName: string | null },
  signal: AbortSignal,
  onError: (status: number, body: unknown, retryAfter: string | null) => ProviderSendError,
): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', file.mimeType);
  form.append(
    'file',
    new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }),
    file.fileName ?? `upload.${file.mimeType.split('/')[1] ?? 'bin'}`,
  );
  let res: Response;
  try {
    res = await fetch(`${graphBase(instance)}/${encodeURIComponent(instance.name)}/media`, {
      method: 'POST',
      headers: graphHeaders(instance),
      body: form,
      signal,
    });
  } catch (err) {
    throw networkSendError(err, signal.aborted);
  }
  const answer = await jsonOrNull(res);
  if (!res.ok) throw onError(res.status, answer, res.headers.get('retry-after'));
  const id = (answer as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id === '') {
    // Nothing was sent to the customer yet: another attempt may upload again.
    throw new ProviderSendError({
      code: SendErrorCode.INVALID_PROVIDER_ANSWER,
      reason: `the Graph API answered the upload with HTTP ${res.status} without an id`,
      retryable: true,
      status: res.status,
    });
  }
  return id;
}

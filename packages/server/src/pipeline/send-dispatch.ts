/**
 * One send attempt of a stored reply through its provider client, by what
 * the reply is (issue #15 §7-8): a template, a file (read back from the media
 * store), or text; a quoted message goes along as the provider wants it.
 */
import type { MessageSender } from '@newton/protocol';
import type {
  MediaBlobs,
  MessageExtra,
  OutboundMediaKind,
  ProviderClient,
  QuotedRef,
  SendResult,
} from '../core/index.js';
import { ProviderSendError, SendErrorCode } from '../core/index.js';
import type { SendJob, Store } from '../store/index.js';

const MEDIA_KINDS = new Set<string>(['image', 'document', 'audio', 'voice']);

function unavailable(reason: string, retryable = false): ProviderSendError {
  return new ProviderSendError({ code: SendErrorCode.MEDIA_UNAVAILABLE, reason, retryable });
}

/** The stored file of a media reply, whole. */
async function fileOf(store: Store, blobs: MediaBlobs | undefined, tenantId: string, messageId: string) {
  const record = await store.mediaState.record(tenantId, messageId);
  if (!blobs || record?.state !== 'ready' || !record.storageKey) {
    throw unavailable('the file of this reply is not in the media store');
  }
  const chunks: Buffer[] = [];
  try {
    for await (const c of await blobs.read(record.storageKey)) chunks.push(c as Buffer);
  } catch (err) {
    throw unavailable(`the media store could not read the file: ${(err as Error).message}`, true);
  }
  return { bytes: Buffer.concat(chunks), mimeType: record.mimeType, fileName: record.fileName };
}

export async function dispatchSend(
  client: ProviderClient,
  job: SendJob,
  deps: { store: Store; blobs: MediaBlobs | undefined },
  signal: AbortSignal,
): Promise<SendResult> {
  const m = job.message;
  const base = { instance: job.target.instance, to: job.target.to, messageId: m.id };
  const extra: MessageExtra = m.extra ? JSON.parse(m.extra) : {};
  const q = extra.reply_to;
  const quoted: QuotedRef | undefined = q
    ? {
        providerMessageId: q.provider_message_id,
        fromMe: (q.sender as MessageSender | null) === 'agent',
        content: q.content,
      }
    : undefined;
  if (extra.template) {
    if (!client.sendTemplate) throw unavailable(`${client.provider} cannot send templates`);
    const t = extra.template;
    return client.sendTemplate(
      { ...base, name: t.name, language: t.language, variables: t.variables, placeholders: t.placeholders },
      signal,
    );
  }
  if (MEDIA_KINDS.has(m.type) && extra.media) {
    if (!client.sendMedia) throw unavailable(`${client.provider} cannot send media`);
    const file = await fileOf(deps.store, deps.blobs, m.tenant_id, m.id);
    return client.sendMedia(
      {
        ...base,
        kind: m.type as OutboundMediaKind,
        mimeType: file.mimeType ?? extra.media.mime_type ?? 'application/octet-stream',
        bytes: file.bytes,
        fileName: file.fileName ?? extra.media.file_name,
        caption: m.content,
        quoted,
      },
      signal,
    );
  }
  return client.sendText({ ...base, text: m.content ?? '', quoted }, signal);
}

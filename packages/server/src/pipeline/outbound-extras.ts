/**
 * What a reply carries besides its text (issue #15 §7-8), checked before
 * anything is stored: the message it quotes (of the same conversation, and
 * already sent so that the provider knows it), an uploaded file (its bytes
 * sniffed against the declared type, then kept in the media store), or a
 * Cloud API template with its variables.
 */
import { createHash } from 'node:crypto';
import type { MessageSender, MessageType, ReplyToInfo } from '@newton/protocol';
import type { MessageExtra, OutboundMediaKind, ProviderClient } from '../core/index.js';
import { blobKey, checkUpload, type MediaBlobs, newtonError } from '../core/index.js';
import { renderTemplate } from '../core/template-text.js';
import { isPlaceholder, type ReplyTarget, type Store, type StoredUpload } from '../store/index.js';
import type { TemplateCatalog } from './templates.js';

/** A file to send, as the route received it. */
export interface Upload {
  kind: OutboundMediaKind;
  /** The Content-Type the client declared. */
  declaredType: string;
  bytes: Buffer;
  fileName: string | null;
}

export interface TemplateChoice {
  name: string;
  language: string;
  variables: string[];
}

export interface OutboundExtras {
  type: MessageType;
  text: string;
  extra: MessageExtra;
  media?: StoredUpload;
}

interface Deps {
  store: Store;
  client: ProviderClient;
  blobs: MediaBlobs | undefined;
  templates: TemplateCatalog | undefined;
}

interface Request {
  tenantId: string;
  conversationId: string;
  text: string;
  replyTo?: string | null;
  upload?: Upload;
  template?: TemplateChoice;
}

const MAX_VARIABLE_CHARS = 1024;

export async function prepareExtras(r: Request, target: ReplyTarget, d: Deps): Promise<OutboundExtras> {
  const extra: MessageExtra = {};
  if (r.replyTo) extra.reply_to = await quoted(r, d.store);
  if (r.template) {
    if (!d.client.sendTemplate || !d.templates) {
      throw newtonError(
        'NEWTON_ERR_TEMPLATES_UNAVAILABLE',
        'message templates exist only on Cloud API numbers',
      );
    }
    const t = await d.templates.find(target.instance, r.template.name, r.template.language);
    const vars = r.template.variables;
    if (vars.length !== t.placeholders.length) {
      throw newtonError(
        'NEWTON_ERR_INVALID_REQUEST',
        `template "${t.name}" takes ${t.placeholders.length} variable(s), got ${vars.length}`,
      );
    }
    if (vars.some((v) => v.trim() === '' || v.length > MAX_VARIABLE_CHARS)) {
      throw newtonError(
        'NEWTON_ERR_INVALID_REQUEST',
        `each variable must be 1..${MAX_VARIABLE_CHARS} characters`,
      );
    }
    extra.template = { name: t.name, language: t.language, variables: vars, placeholders: t.placeholders };
    return { type: 'text', text: renderTemplate(t.body, t.placeholders, vars) || t.name, extra };
  }
  if (!r.upload) return { type: 'text', text: r.text, extra };
  const u = r.upload;
  if (!d.client.sendMedia) {
    throw newtonError('NEWTON_ERR_SEND_NOT_CONFIGURED', `${target.instance.provider} cannot send media`);
  }
  if (!d.blobs) throw newtonError('NEWTON_ERR_SEND_NOT_CONFIGURED', 'no media store to keep the upload in');
  if (u.bytes.length === 0) throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'the file is empty');
  const check = checkUpload(u.kind, u.declaredType, u.bytes);
  if (!check.ok) {
    throw newtonError(
      check.reason === 'unsupported' ? 'NEWTON_ERR_UNSUPPORTED_MEDIA_TYPE' : 'NEWTON_ERR_MEDIA_TYPE_MISMATCH',
      check.message,
    );
  }
  const sha256 = createHash('sha256').update(u.bytes).digest('hex');
  const storageKey = blobKey(sha256);
  try {
    await d.blobs.put(storageKey, u.bytes, check.mimeType);
  } catch (err) {
    throw newtonError(
      'NEWTON_ERR_MEDIA_UNAVAILABLE',
      `the media store could not keep the file: ${(err as Error).message || String(err)}`,
    );
  }
  extra.media = {
    mime_type: check.mimeType,
    size: u.bytes.length,
    file_name: u.fileName,
    seconds: null,
    provider_ref: null,
  };
  return {
    type: u.kind,
    text: r.text,
    extra,
    media: { storageKey, sha256, size: u.bytes.length, mimeType: check.mimeType, fileName: u.fileName },
  };
}

/** The quoted message as `reply_to`; 400 when it is not a sent message of this conversation. */
async function quoted(r: Request, store: Store): Promise<ReplyToInfo> {
  const row = await store.outbound.quotable(r.tenantId, r.conversationId, r.replyTo ?? '');
  if (!row) throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'reply_to: no such message in this conversation');
  if (isPlaceholder(row.provider_message_id)) {
    throw newtonError('NEWTON_ERR_INVALID_REQUEST', 'reply_to: that message has not reached WhatsApp yet');
  }
  return {
    message_id: row.id,
    provider_message_id: row.provider_message_id,
    content: row.content,
    sender: row.sender as MessageSender,
  };
}

/**
 * What an agent sends besides plain text (issue #15 §7-8): the message being
 * quoted, files (the raw bytes to `POST /api/conversations/{id}/media`),
 * Cloud API templates (`GET /api/instances/{id}/templates`, `POST …/template`)
 * and conversations started with a phone number (`POST /api/conversations`).
 * The server's `new_message` and `message_status` events then show them in
 * the thread like any reply.
 */
import type {
  ConversationStartedAnswer,
  MessageAnswer,
  MessageTemplatePayload,
  TemplateListAnswer,
} from '@newton/protocol';
import { get, writable } from 'svelte/store';
import { ApiError, api } from './api.js';
import { session } from './session.js';
import type { Message } from './types.js';

/** The message the next reply quotes, or null. */
export const quoting = writable<Message | null>(null);

export type FileKind = 'image' | 'document' | 'audio' | 'voice';

/** What the file picker offers for each kind (the server sniffs the bytes anyway). */
export const ACCEPT: Record<FileKind, string> = {
  image: 'image/jpeg,image/png',
  document:
    'application/pdf,text/plain,text/csv,application/msword,application/vnd.ms-excel,application/vnd.ms-powerpoint,' +
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document,' +
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,' +
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  audio: 'audio/ogg,audio/mpeg,audio/mp4,audio/x-m4a,audio/aac,audio/amr',
  voice: 'audio/ogg',
};

/** Uploads `file` and sends it in the conversation; resolves with the stored message. */
export async function sendFile(
  conversationId: string,
  file: File,
  kind: FileKind,
  opts: { caption?: string; replyTo?: string | null } = {},
): Promise<Message> {
  const s = get(session);
  const q = new URLSearchParams({ kind, client_id: crypto.randomUUID() });
  if (file.name) q.set('file_name', file.name.slice(0, 255));
  if (opts.caption) q.set('caption', opts.caption.slice(0, 1024));
  if (opts.replyTo) q.set('reply_to', opts.replyTo);
  const res = await fetch(`/api/conversations/${encodeURIComponent(conversationId)}/media?${q}`, {
    method: 'POST',
    headers: {
      ...(s ? { authorization: `Bearer ${s.token}`, 'x-tenant-id': s.tenantId } : {}),
      'content-type': file.type || 'application/octet-stream',
    },
    body: file,
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: unknown };
  if (!res.ok) {
    throw new ApiError(
      res.status,
      body.error ?? `http_${res.status}`,
      String(body.message ?? res.statusText),
    );
  }
  return (body as MessageAnswer).message as Message;
}

/** The number's approved templates (the server caches them). */
export async function listTemplates(instanceId: string): Promise<MessageTemplatePayload[]> {
  const r = await api<TemplateListAnswer>(`/api/instances/${encodeURIComponent(instanceId)}/templates`);
  return r.items;
}

export async function sendTemplate(
  conversationId: string,
  t: { name: string; language: string; variables: string[] },
): Promise<Message> {
  const r = await api<MessageAnswer>(`/api/conversations/${encodeURIComponent(conversationId)}/template`, {
    method: 'POST',
    body: { ...t, client_id: crypto.randomUUID() },
  });
  return r.message as Message;
}

/** Starts a conversation with `phone` on a number: text, or a template (the Cloud API's only first message). */
export async function startConversation(body: {
  instance_id: string;
  phone: string;
  text?: string;
  template?: { name: string; language: string; variables: string[] };
}): Promise<ConversationStartedAnswer> {
  return api<ConversationStartedAnswer>('/api/conversations', {
    method: 'POST',
    body: { ...body, client_id: crypto.randomUUID() },
  });
}

/** The template's body with the values typed so far (placeholders left visible). */
export function preview(t: MessageTemplatePayload, values: string[]): string {
  return (t.body ?? t.name).replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    const i = t.placeholders.indexOf(name);
    return i >= 0 && values[i] ? (values[i] as string) : whole;
  });
}

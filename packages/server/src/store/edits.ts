/**
 * Edits of stored messages (a text changed on WhatsApp after it was sent):
 * the new text replaces the content, the edit time is kept in `extra`
 * (`edited_at`), the conversation's preview follows when it is its last
 * message, and a `message_updated` event (plus `conversation_updated` when the
 * preview changed) is appended in the same transaction. An edit never touches
 * the delivery status. Knows nothing of providers.
 */
import type { EventBody } from '@newton/protocol';
import type { Transaction } from 'kysely';
import type { MessageEdit, TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import { conversationItem } from './inbox.js';
import { messagePayload, previewText, toIso } from './mappers.js';
import { messageByProviderId } from './message-lookup.js';
import { conversationRow } from './read-state.js';
import type { Database } from './schema.js';

/** Message types whose content is a text an edit can replace (a caption for media). */
const EDITABLE = new Set(['text', 'image', 'video', 'document']);

export type EditResult =
  | { outcome: 'applied'; messageId: string; events: TenantEvent[] }
  /** Same text already, or an older edit than the one stored: no event. */
  | { outcome: 'unchanged'; messageId: string; events: [] }
  /** No such message (never stored, e.g. a group chat), or one without editable text. */
  | { outcome: 'ignored'; reason: string; events: [] };

export async function applyEdit(trx: Transaction<Database>, e: MessageEdit): Promise<EditResult> {
  const lastSeq = await lockTenant(trx, e.tenantId);
  const found = await messageByProviderId(trx, e.tenantId, e.instanceId, e.providerMessageId);
  if (lastSeq === undefined || !found) return { outcome: 'ignored', reason: 'message not known', events: [] };
  const { row, extra } = found;
  if (extra.deleted_at) return { outcome: 'ignored', reason: 'the message was deleted', events: [] };
  if (!EDITABLE.has(row.type)) {
    return { outcome: 'ignored', reason: `a ${row.type} message has no text to edit`, events: [] };
  }
  const previous = extra.edited_at ? Date.parse(extra.edited_at) : null;
  if (row.content === e.text || (previous !== null && previous > e.at)) {
    return { outcome: 'unchanged', messageId: row.id, events: [] };
  }
  const editedAt = toIso(e.at);
  const nextExtra = JSON.stringify({ ...extra, edited_at: editedAt });
  await trx
    .updateTable('messages')
    .set({ content: e.text, extra: nextExtra })
    .where('id', '=', row.id)
    .execute();
  const message = messagePayload({ ...row, content: e.text, extra: nextExtra }, row.lead_phone);
  const bodies: EventBody[] = [
    {
      type: 'message_updated',
      message_id: row.id,
      conversation_id: row.conversation_id,
      message,
      change: 'edited',
      edited_at: editedAt,
    },
  ];
  const now = Date.now();
  const conv = await conversationRow(trx, e.tenantId, row.conversation_id);
  if (conv && conv.last_message_id === row.id) {
    const preview = previewText(e.text);
    await trx
      .updateTable('conversations')
      .set({ last_message_preview: preview, updated_at: now })
      .where('id', '=', conv.id)
      .execute();
    bodies.push({
      type: 'conversation_updated',
      conversation: conversationItem({ ...conv, last_message_preview: preview }),
    });
  }
  const events = await appendEvents(trx, e.tenantId, lastSeq, bodies, now);
  return { outcome: 'applied', messageId: row.id, events };
}

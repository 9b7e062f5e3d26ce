/**
 * Messages deleted for everyone by their author (issue #13 §5): the row is
 * kept with its content (the tenant's record) and marked with
 * `extra.deleted_at`; a `message_deleted` event carries the message as it is
 * now, and when it was the conversation's last message its preview is
 * cleared (with `conversation_updated`) so the list never shows what the
 * thread hides. A second report of the same deletion changes nothing.
 * Knows nothing of providers.
 */
import type { EventBody, MessageSender } from '@newton/protocol';
import type { Transaction } from 'kysely';
import type { MessageDeletion } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import { conversationItem } from './inbox.js';
import { messagePayload, toIso } from './mappers.js';
import { messageByProviderId, setExtra } from './message-lookup.js';
import type { ChangeResult } from './reactions.js';
import { conversationRow } from './read-state.js';
import type { Database } from './schema.js';

export async function applyDeletion(trx: Transaction<Database>, d: MessageDeletion): Promise<ChangeResult> {
  const lastSeq = await lockTenant(trx, d.tenantId);
  const found = await messageByProviderId(trx, d.tenantId, d.instanceId, d.providerMessageId);
  if (lastSeq === undefined || !found) {
    return { outcome: 'ignored', reason: 'deletion of a message not known', events: [] };
  }
  const { row, extra } = found;
  if (extra.deleted_at) return { outcome: 'unchanged', messageId: row.id, events: [] };
  const deletedAt = toIso(d.at);
  const text = await setExtra(trx, row.id, { ...extra, deleted_at: deletedAt });
  const bodies: EventBody[] = [
    {
      type: 'message_deleted',
      message_id: row.id,
      conversation_id: row.conversation_id,
      by: row.sender as MessageSender,
      deleted_at: deletedAt,
      message: messagePayload({ ...row, extra: text }, row.lead_phone),
    },
  ];
  const now = Date.now();
  const conv = await conversationRow(trx, d.tenantId, row.conversation_id);
  if (conv && conv.last_message_id === row.id && conv.last_message_preview !== null) {
    await trx
      .updateTable('conversations')
      .set({ last_message_preview: null, updated_at: now })
      .where('id', '=', conv.id)
      .execute();
    bodies.push({
      type: 'conversation_updated',
      conversation: conversationItem({ ...conv, last_message_preview: null }),
    });
  }
  const events = await appendEvents(trx, d.tenantId, lastSeq, bodies, now);
  return { outcome: 'applied', messageId: row.id, events };
}

/**
 * Reactions on stored messages (issue #13 §3): one per person (the customer,
 * or the business's own number), kept in the message's `extra.reactions`; a
 * change replaces it, a removal keeps a tombstone (empty emoji) whose time
 * stops an older redelivery from bringing it back. Each change appends one
 * `message_reaction` event in the same transaction. A reaction is never a
 * message: no row, no unread, no change to the conversation's last message.
 * Knows nothing of providers.
 */
import type { Transaction } from 'kysely';
import type { MessageReactionChange } from '../core/index.js';
import type { EditResult } from './edits.js';
import { appendEvents, lockTenant } from './event-log.js';
import { toIso, visibleReactions } from './mappers.js';
import { messageByProviderId, setExtra } from './message-lookup.js';
import type { Database } from './schema.js';

/** What a reaction or a deletion did: the same three ends as an edit's. */
export type ChangeResult = EditResult;

export async function applyReaction(
  trx: Transaction<Database>,
  c: MessageReactionChange,
): Promise<ChangeResult> {
  const lastSeq = await lockTenant(trx, c.tenantId);
  const found = await messageByProviderId(trx, c.tenantId, c.instanceId, c.targetProviderMessageId);
  // Kept nowhere: WhatsApp sends reactions only to messages of the last 30 days, which Newton has
  // unless the message was never delivered to it (a group chat, a webhook lost before Newton).
  if (lastSeq === undefined || !found) {
    return { outcome: 'ignored', reason: 'reaction to a message not known', events: [] };
  }
  const { row, extra } = found;
  const all = extra.reactions ?? [];
  const mine = all.find((r) => r.by === c.by);
  const at = toIso(c.at);
  if (mine && (mine.emoji === c.emoji || Date.parse(mine.at) > c.at)) {
    return { outcome: 'unchanged', messageId: row.id, events: [] };
  }
  if (!mine && c.emoji === '') return { outcome: 'unchanged', messageId: row.id, events: [] };
  const next = [...all.filter((r) => r.by !== c.by), { by: c.by, emoji: c.emoji, at }];
  await setExtra(trx, row.id, { ...extra, reactions: next });
  const previous = mine && mine.emoji !== '' ? mine.emoji : null;
  const events = await appendEvents(
    trx,
    c.tenantId,
    lastSeq,
    [
      {
        type: 'message_reaction',
        message_id: row.id,
        conversation_id: row.conversation_id,
        by: c.by,
        emoji: c.emoji === '' ? null : c.emoji,
        previous,
        at,
        reactions: visibleReactions(next),
      },
    ],
    Date.now(),
  );
  return { outcome: 'applied', messageId: row.id, events };
}

/**
 * Marking a conversation read (issue #5 §6): unread back to 0, `last_read_at`
 * set, and a `conversation_updated` event carrying the conversation as
 * `GET /api/conversations/{id}` returns it. Runs in the caller's transaction.
 */
import type { ConversationState } from '@newton/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import { conversationItem } from './inbox.js';
import type { Database } from './schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type ReadResult =
  | { outcome: 'read'; conversation: ConversationState; events: TenantEvent[] }
  | { outcome: 'not_found' };

/** A conversation of the tenant with its lead's name, phone and LID. */
export async function conversationRow(db: Executor, tenantId: string, id: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('leads as l', 'l.id', 'c.lead_id')
    .selectAll('c')
    .select([
      'l.name as lead_name',
      'l.phone as lead_phone',
      'l.wa_lid as lead_lid',
      'l.picture_url as lead_picture_url',
      'l.display_name as lead_display_name',
      'l.attributes as lead_attributes',
    ])
    .where('c.tenant_id', '=', tenantId)
    .where('c.id', '=', id)
    .executeTakeFirst();
}

/** Emits `conversation_updated` only when something was unread. */
export async function markConversationRead(
  trx: Transaction<Database>,
  tenantId: string,
  conversationId: string,
): Promise<ReadResult> {
  const lastSeq = await lockTenant(trx, tenantId);
  const conv = await conversationRow(trx, tenantId, conversationId);
  if (lastSeq === undefined || !conv) return { outcome: 'not_found' };
  const now = Date.now();
  const changed = Number(conv.unread_count) > 0;
  await trx
    .updateTable('conversations')
    .set(changed ? { unread_count: 0, last_read_at: now, updated_at: now } : { last_read_at: now })
    .where('id', '=', conv.id)
    .execute();
  const conversation = conversationItem({ ...conv, unread_count: 0, last_read_at: now });
  if (!changed) return { outcome: 'read', conversation, events: [] };
  const events = await appendEvents(
    trx,
    tenantId,
    lastSeq,
    [{ type: 'conversation_updated', conversation }],
    now,
  );
  return { outcome: 'read', conversation, events };
}

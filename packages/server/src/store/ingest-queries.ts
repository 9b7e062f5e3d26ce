import type { Insertable } from 'kysely';
import type { ConversationUpdate, LeadUpdate } from './ingest-plan.js';
import { prepared } from './prepared.js';
import type { ConversationsTable, LeadsTable, MessageMediaTable, MessagesTable } from './schema.js';

/** The statements of the webhook write path, compiled once per dialect (see prepared.ts). */
export const q = {
  duplicate: prepared((db, p: { tenant: string; instance: string; providerId: string }) =>
    db
      .selectFrom('messages')
      .select(['id', 'conversation_id'])
      .where('tenant_id', '=', p.tenant)
      .where('instance_id', '=', p.instance)
      .where('provider_message_id', '=', p.providerId),
  ),

  /** The message a new one quotes (its reply_to's provider id). */
  quoted: prepared((db, p: { tenant: string; instance: string; providerId: string }) =>
    db
      .selectFrom('messages')
      .select(['id', 'content', 'sender'])
      .where('tenant_id', '=', p.tenant)
      .where('instance_id', '=', p.instance)
      .where('provider_message_id', '=', p.providerId),
  ),

  leadByPhone: prepared((db, p: { tenant: string; phone: string }) =>
    db.selectFrom('leads').selectAll().where('tenant_id', '=', p.tenant).where('phone', '=', p.phone),
  ),

  leadByLid: prepared((db, p: { tenant: string; lid: string }) =>
    db.selectFrom('leads').selectAll().where('tenant_id', '=', p.tenant).where('wa_lid', '=', p.lid),
  ),

  insertLead: prepared((db, p: LeadsTable) => db.insertInto('leads').values(p)),

  updateLead: prepared((db, p: LeadUpdate) =>
    db
      .updateTable('leads')
      .set({
        phone: p.phone,
        wa_lid: p.wa_lid,
        name: p.name,
        attribution: p.attribution,
        updated_at: p.updated_at,
      })
      .where('id', '=', p.id),
  ),

  conversation: prepared((db, p: { tenant: string; instance: string; lead: string }) =>
    db
      .selectFrom('conversations')
      .selectAll()
      .where('tenant_id', '=', p.tenant)
      .where('instance_id', '=', p.instance)
      .where('lead_id', '=', p.lead),
  ),

  insertConversation: prepared((db, p: ConversationsTable) => db.insertInto('conversations').values(p)),

  updateConversation: prepared((db, p: ConversationUpdate) =>
    db
      .updateTable('conversations')
      .set({
        unread_count: p.unread_count,
        last_message_at: p.last_message_at,
        last_message_id: p.last_message_id,
        last_message_preview: p.last_message_preview,
        reply_to: p.reply_to,
        updated_at: p.updated_at,
        status: p.status,
        snoozed_until: p.snoozed_until,
      })
      .where('id', '=', p.id),
  ),

  insertMessage: prepared((db, p: MessagesTable) => db.insertInto('messages').values(p)),

  /** A new message's media, `pending` (media-state.ts pendingMediaRow). */
  insertMedia: prepared((db, p: Insertable<MessageMediaTable>) => db.insertInto('message_media').values(p)),
};

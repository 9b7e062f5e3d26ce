/**
 * A conversation an agent starts with a phone number (issue #15 §8): the
 * lead found by phone or created (`lead_created`), and the conversation of
 * that lead on the instance found or created, in one transaction. The
 * conversation's first message (stored right after by createReply) carries
 * it to every screen in its `new_message` event.
 */
import type { EventBody } from '@newton/protocol';
import type { Kysely } from 'kysely';
import { newRowId } from '../core/ids.js';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { leadPayload } from './mappers.js';
import type { Database, LeadsTable } from './schema.js';

/** A customer's phone (E.164) on one of the tenant's instances. */
export interface PhoneOnInstance {
  tenantId: string;
  instanceId: string;
  phone: string;
}

export type OpenConversationResult =
  | { outcome: 'opened'; conversationId: string; created: boolean; events: TenantEvent[] }
  | { outcome: 'not_found' };

/** Finds or creates the lead (by E.164 `phone`) and its conversation on `instanceId`. */
export function openConversation(write: Write, p: PhoneOnInstance): Promise<OpenConversationResult> {
  return write(async (trx) => {
    const lastSeq = await lockTenant(trx, p.tenantId);
    if (lastSeq === undefined) return { outcome: 'not_found' };
    const inst = await trx
      .selectFrom('instances')
      .select('id')
      .where('tenant_id', '=', p.tenantId)
      .where('id', '=', p.instanceId)
      .executeTakeFirst();
    if (!inst) return { outcome: 'not_found' };
    const now = Date.now();
    const bodies: EventBody[] = [];
    let lead = await trx
      .selectFrom('leads')
      .select('id')
      .where('tenant_id', '=', p.tenantId)
      .where('phone', '=', p.phone)
      .executeTakeFirst();
    if (!lead) {
      const row: LeadsTable = {
        id: newRowId(),
        tenant_id: p.tenantId,
        phone: p.phone,
        wa_lid: null,
        name: null,
        picture_url: null,
        attribution: null,
        display_name: null,
        attributes: null,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('leads').values(row).execute();
      bodies.push({ type: 'lead_created', lead: leadPayload(row) });
      lead = { id: row.id };
    }
    const conv = await trx
      .selectFrom('conversations')
      .select('id')
      .where('tenant_id', '=', p.tenantId)
      .where('instance_id', '=', p.instanceId)
      .where('lead_id', '=', lead.id)
      .executeTakeFirst();
    let conversationId = conv?.id;
    if (!conversationId) {
      conversationId = newRowId();
      await trx
        .insertInto('conversations')
        .values({
          id: conversationId,
          tenant_id: p.tenantId,
          lead_id: lead.id,
          instance_id: p.instanceId,
          status: 'open',
          unread_count: 0,
          last_message_at: null,
          last_message_id: null,
          last_message_preview: null,
          reply_to: null,
          last_read_at: null,
          snoozed_until: null,
          notes_count: 0,
          labels: '[]',
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    const events = bodies.length > 0 ? await appendEvents(trx, p.tenantId, lastSeq, bodies, now) : [];
    return { outcome: 'opened', conversationId, created: !conv, events };
  });
}

/** The conversation of `phone` on `instanceId`, if there is one (read only). */
export async function findConversation(
  db: Kysely<Database>,
  p: PhoneOnInstance,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('conversations as c')
    .innerJoin('leads as l', 'l.id', 'c.lead_id')
    .select('c.id')
    .where('c.tenant_id', '=', p.tenantId)
    .where('c.instance_id', '=', p.instanceId)
    .where('l.phone', '=', p.phone)
    .executeTakeFirst();
  return row?.id;
}

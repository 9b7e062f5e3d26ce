/**
 * Reads for presence and typing (#15): is a conversation the tenant's, and
 * which conversations a customer's chat presence is about. Reads only.
 */
import type { Kysely } from 'kysely';
import type { ConversationLookup } from '../core/index.js';
import type { Database } from './schema.js';

export class PresenceLookup implements ConversationLookup {
  constructor(private readonly db: Kysely<Database>) {}

  async conversationOf(tenantId: string, conversationId: string): Promise<{ leadId: string } | undefined> {
    const row = await this.db
      .selectFrom('conversations')
      .select('lead_id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', conversationId)
      .executeTakeFirst();
    return row ? { leadId: row.lead_id } : undefined;
  }

  async conversationsOfParty(
    tenantId: string,
    instanceId: string,
    phone: string | null,
    lid: string | null,
  ): Promise<{ conversationId: string; leadId: string }[]> {
    const base = this.db
      .selectFrom('conversations')
      .innerJoin('leads', 'leads.id', 'conversations.lead_id')
      .select(['conversations.id as conversationId', 'conversations.lead_id as leadId'])
      .where('conversations.tenant_id', '=', tenantId)
      .where('conversations.instance_id', '=', instanceId)
      .where('leads.tenant_id', '=', tenantId);
    if (phone) {
      const byPhone = await base.where('leads.phone', '=', phone).execute();
      if (byPhone.length > 0 || !lid) return byPhone;
    }
    if (!lid) return [];
    return base.where('leads.wa_lid', '=', lid).execute();
  }
}

/**
 * The rows a diagnostics probe leaves (its message, and the conversation and
 * lead that only probes use), removed once the probe is checked. Only rows
 * marked `is_probe` go, and a conversation or lead only when nothing else is
 * left in it: a real customer's data is never touched.
 */
import type { Kysely } from 'kysely';
import type { Write } from './inbound.js';
import type { Database } from './schema.js';

export interface RemovedProbeRows {
  messages: number;
  conversations: number;
  leads: number;
}

export class ProbeRowStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {}

  /** Removes every probe message of the tenant, with the conversations and leads only probes used. */
  remove(tenantId: string): Promise<RemovedProbeRows> {
    return this.write(async (trx) => {
      const rows = await trx
        .selectFrom('messages')
        .select(['conversation_id', 'lead_id'])
        .where('tenant_id', '=', tenantId)
        .where('is_probe', '=', 1)
        .execute();
      if (rows.length === 0) return { messages: 0, conversations: 0, leads: 0 };
      const messages = await trx
        .deleteFrom('messages')
        .where('tenant_id', '=', tenantId)
        .where('is_probe', '=', 1)
        .executeTakeFirst();
      const convIds = [...new Set(rows.map((r) => r.conversation_id))];
      const conversations = await trx
        .deleteFrom('conversations')
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', convIds)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('messages as m')
                .select('m.id')
                .whereRef('m.conversation_id', '=', 'conversations.id'),
            ),
          ),
        )
        .executeTakeFirst();
      const leadIds = [...new Set(rows.map((r) => r.lead_id))];
      const leads = await trx
        .deleteFrom('leads')
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', leadIds)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('conversations as c').select('c.id').whereRef('c.lead_id', '=', 'leads.id'))),
        )
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('messages as m').select('m.id').whereRef('m.lead_id', '=', 'leads.id'))),
        )
        .executeTakeFirst();
      return {
        messages: Number(messages.numDeletedRows),
        conversations: Number(conversations.numDeletedRows),
        leads: Number(leads.numDeletedRows),
      };
    });
  }

  /** How many probe messages the tenant has stored (0 once the probes were removed). */
  async count(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('is_probe', '=', 1)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

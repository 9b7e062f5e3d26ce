import type { Kysely } from 'kysely';

/**
 * Indexes for `GET /api/leads`: the keyset order `(updated_at desc, id desc)`
 * within a tenant, and a lead's messages by probe flag, which the list uses to
 * leave out leads that only ever sent diagnostics probes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('leads_tenant_updated_idx')
    .on('leads')
    .columns(['tenant_id', 'updated_at', 'id'])
    .execute();
  await db.schema
    .createIndex('messages_lead_probe_idx')
    .on('messages')
    .columns(['lead_id', 'is_probe'])
    .execute();
}

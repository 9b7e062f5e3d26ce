import type { Kysely } from 'kysely';

/**
 * Upstream truth (#12): what the provider last said about each instance's
 * WhatsApp session, and leases that let one node at a time run a cluster-wide
 * job (active checks, backfill).
 * - `state`: open | connecting | close | unknown; `state_reason` a stable code
 *   (`logged_out`, `qr_required`, `provider_unreachable`…), `state_detail` a
 *   sentence, `state_since` when the state began (epoch ms).
 * - `last_webhook_at`: when the provider last posted a webhook for the
 *   instance (written at most every few seconds per instance).
 * - `leases`: `name` → the node holding it until `until` (epoch ms).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('instances')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('unknown'))
    .execute();
  await db.schema.alterTable('instances').addColumn('state_reason', 'text').execute();
  await db.schema.alterTable('instances').addColumn('state_detail', 'text').execute();
  await db.schema.alterTable('instances').addColumn('state_since', 'bigint').execute();
  await db.schema.alterTable('instances').addColumn('last_webhook_at', 'bigint').execute();
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('until', 'bigint', (c) => c.notNull())
    .execute();
}

import type { Kysely } from 'kysely';

/**
 * The WhatsApp Business Account (WABA) of each Cloud API number (#12).
 * Meta's account webhooks (`account_update`: ACCOUNT_DELETED, DISABLED_UPDATE,
 * ACCOUNT_OFFBOARDED…) often name only the WABA (`entry[].id`), never a
 * number. Every message webhook names both the WABA and the number's
 * phone_number_id, so Newton learns `waba_id` from the first one it routes
 * and finds the numbers of a WABA by it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('waba_id', 'text').execute();
  await db.schema.createIndex('instances_waba_id').on('instances').column('waba_id').execute();
}

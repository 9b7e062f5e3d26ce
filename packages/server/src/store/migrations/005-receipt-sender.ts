import type { Kysely } from 'kysely';

/**
 * The WhatsApp number a webhook came from, on its receipt: Evolution's
 * envelope `sender` (the connected account's own JID) or the Cloud API's
 * `metadata.display_phone_number`, as E.164 digits without `+`. Null when the
 * webhook carries none. Kept for every outcome, accepted ones included, so
 * `newton doctor` can tell when a tenant's number is being accepted by an
 * instance of another tenant that has no number configured (nothing else
 * would record it: such a webhook is routed and stored).
 *
 * The index serves that question: receipts of some numbers since a time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_receipts').addColumn('sender_number', 'text').execute();
  await db.schema
    .createIndex('receipts_sender_idx')
    .on('webhook_receipts')
    .columns(['sender_number', 'received_at'])
    .execute();
}

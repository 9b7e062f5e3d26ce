import type { Kysely } from 'kysely';

/**
 * Durable media (#13): what became of each message's media bytes. One row
 * per message with media, written by the media keeper (media/keeper.ts):
 * - `state`: pending (not fetched yet) | ready (in the media store under
 *   `storage_key`) | failed (the last attempt failed: `last_error`,
 *   `last_error_detail`; retried at `next_attempt_at`, never when it is null).
 * - `sha256`, `size`, `mime_type`, `file_name`: the stored bytes as served.
 * - `attempts`; `lease_until`: the node fetching it holds it until then, so
 *   that one node at a time fetches a file.
 * The sweep reads `(state, next_attempt_at)`: retries survive a restart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('message_media')
    .addColumn('message_id', 'text', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text')
    .addColumn('sha256', 'text')
    .addColumn('size', 'bigint')
    .addColumn('mime_type', 'text')
    .addColumn('file_name', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('last_error_detail', 'text')
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('message_media_due')
    .on('message_media')
    .columns(['state', 'next_attempt_at'])
    .execute();
}

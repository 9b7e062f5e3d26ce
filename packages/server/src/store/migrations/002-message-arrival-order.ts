import { type Kysely, sql } from 'kysely';

/**
 * Providers give message times in whole seconds; two messages of one second
 * must still show in the order they arrived. `arrival_seq` is the seq of the
 * message's `new_message` event, which increases with arrival.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('arrival_seq', 'bigint').execute();
  await sql`update messages set arrival_seq = created_at`.execute(db);
  await db.schema.dropIndex('messages_conversation_time_idx').execute();
  await db.schema
    .createIndex('messages_conversation_order_idx')
    .on('messages')
    .columns(['conversation_id', 'timestamp', 'arrival_seq'])
    .execute();
}

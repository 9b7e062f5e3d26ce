import { type Kysely, sql } from 'kysely';

/**
 * Triage (#15 points 2 and 4): a conversation's status grows from
 * open/closed to open / pending / resolved / snoozed (`snoozed_until`, epoch
 * ms); `closed` rows become `resolved`. Internal notes (`notes`) and the
 * tenant's labels (`labels`, `conversation_labels`). A conversation keeps
 * `notes_count` and `labels` (JSON of its labels as `{id,name,color}`, in the
 * order they were added) beside it, so every read of a conversation, the
 * webhook path's included, builds its state from the row alone; label and
 * note writes keep both current in their transaction.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversations').addColumn('snoozed_until', 'bigint').execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('notes_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('labels', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await sql`update conversations set status = 'resolved' where status = 'closed'`.execute(db);
  // The snooze sweeper's query: snoozed conversations by when they are due.
  await db.schema
    .createIndex('conversations_snoozed_idx')
    .on('conversations')
    .columns(['status', 'snoozed_until'])
    .execute();

  await db.schema
    .createTable('notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('conversation_id', 'text', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notes_conversation_idx')
    .on('notes')
    .columns(['tenant_id', 'conversation_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('labels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    /** The name lower-cased: unique per tenant, so `VIP` and `vip` are one label. */
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('color', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('labels_tenant_name_uq', ['tenant_id', 'name_key'])
    .execute();

  await db.schema
    .createTable('conversation_labels')
    .addColumn('conversation_id', 'text', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('label_id', 'text', (c) => c.notNull().references('labels.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_labels_pk', ['conversation_id', 'label_id'])
    .execute();
  await db.schema
    .createIndex('conversation_labels_label_idx')
    .on('conversation_labels')
    .columns(['label_id', 'conversation_id'])
    .execute();
}

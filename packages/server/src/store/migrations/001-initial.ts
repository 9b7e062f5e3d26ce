import type { Kysely } from 'kysely';

/** Initial schema. Written once for both dialects; `bigint` holds epoch ms. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('pruned_through', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('number', 'text')
    .addColumn('apikey', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('base_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('instances_provider_name_uq', ['provider', 'name'])
    .execute();
  await db.schema.createIndex('instances_tenant_idx').on('instances').column('tenant_id').execute();

  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('phone', 'text')
    .addColumn('wa_lid', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('leads_tenant_phone_uq', ['tenant_id', 'phone'])
    .addUniqueConstraint('leads_tenant_lid_uq', ['tenant_id', 'wa_lid'])
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('lead_id', 'text', (c) => c.notNull().references('leads.id').onDelete('cascade'))
    .addColumn('instance_id', 'text', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_message_at', 'bigint')
    .addColumn('last_message_id', 'text')
    .addColumn('last_message_preview', 'text')
    .addColumn('reply_to', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('conversations_tenant_instance_lead_uq', ['tenant_id', 'instance_id', 'lead_id'])
    .execute();
  await db.schema
    .createIndex('conversations_tenant_activity_idx')
    .on('conversations')
    .columns(['tenant_id', 'last_message_at', 'id'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('conversation_id', 'text', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('extra', 'text')
    .addColumn('is_probe', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // One message per (instance, provider id): Evolution and Meta redeliver.
    .addUniqueConstraint('messages_instance_provider_id_uq', [
      'tenant_id',
      'instance_id',
      'provider_message_id',
    ])
    .execute();
  await db.schema
    .createIndex('messages_conversation_time_idx')
    .on('messages')
    .columns(['conversation_id', 'timestamp', 'id'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('events_pk', ['tenant_id', 'seq'])
    .execute();

  await db.schema
    .createTable('webhook_receipts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event', 'text')
    .addColumn('instance_name', 'text')
    .addColumn('tenant_id', 'text')
    .addColumn('instance_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('body_size', 'integer', (c) => c.notNull())
    .addColumn('body_excerpt', 'text')
    .execute();
  await db.schema.createIndex('receipts_time_idx').on('webhook_receipts').column('received_at').execute();
  await db.schema
    .createIndex('receipts_tenant_idx')
    .on('webhook_receipts')
    .columns(['tenant_id', 'received_at'])
    .execute();
  await db.schema
    .createIndex('receipts_instance_idx')
    .on('webhook_receipts')
    .columns(['instance_name', 'received_at'])
    .execute();
  await db.schema
    .createIndex('receipts_provider_msg_idx')
    .on('webhook_receipts')
    .column('provider_message_id')
    .execute();
}

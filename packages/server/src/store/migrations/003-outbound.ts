import type { Kysely } from 'kysely';

/**
 * Outbound messages (replies sent from the CRM) and delivery statuses.
 * - messages: who sent a reply (`sender_user_id`), the client's idempotency
 *   key (`client_id`, unique per tenant), the provider's failure reason
 *   (`status_error`, JSON), when the status last changed (`status_at`), and
 *   the send's bookkeeping (`send_attempts`, `send_lease_until`: the node
 *   sending it holds a lease so that a restarted node can resume it safely).
 * - pending_statuses: a status that arrived before its message; applied when
 *   the message appears.
 * - conversations.last_read_at: when an agent last marked it read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('client_id', 'text').execute();
  await db.schema.alterTable('messages').addColumn('sender_user_id', 'text').execute();
  await db.schema.alterTable('messages').addColumn('status_error', 'text').execute();
  await db.schema.alterTable('messages').addColumn('status_at', 'bigint').execute();
  await db.schema
    .alterTable('messages')
    .addColumn('send_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('messages').addColumn('send_lease_until', 'bigint').execute();
  // NULLs never collide, so only replies with a client_id are constrained.
  await db.schema
    .createIndex('messages_tenant_client_id_uq')
    .on('messages')
    .columns(['tenant_id', 'client_id'])
    .unique()
    .execute();
  // The sweeper looks for pending outbound sends.
  await db.schema
    .createIndex('messages_status_idx')
    .on('messages')
    .columns(['status', 'direction'])
    .execute();

  await db.schema
    .createTable('pending_statuses')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_statuses_pk', ['tenant_id', 'instance_id', 'provider_message_id'])
    .execute();
  await db.schema
    .createIndex('pending_statuses_age_idx')
    .on('pending_statuses')
    .column('created_at')
    .execute();

  await db.schema.alterTable('conversations').addColumn('last_read_at', 'bigint').execute();
}

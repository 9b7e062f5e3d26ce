import type { Kysely } from 'kysely';

/**
 * Agents (#15): a tenant's users and who owns each conversation.
 * - `users`: one row per person of a tenant, keyed by `(tenant_id, id)`; `id`
 *   is what tokens carry as `sub`. `role` admin | agent, `color` a `#rrggbb`
 *   avatar colour, `disabled_at` (epoch ms) set while the user is disabled:
 *   then every token naming them is refused.
 * - `conversations.assignee_id`: the user who owns the conversation, or null.
 * - `tenants.auto_assign` (0/1) and `tenants.auto_assign_last` (the user the
 *   round-robin gave the last conversation to).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('agent'))
    .addColumn('email', 'text')
    .addColumn('color', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('users_updated_idx').on('users').column('updated_at').execute();
  await db.schema.alterTable('conversations').addColumn('assignee_id', 'text').execute();
  await db.schema
    .createIndex('conversations_tenant_assignee_idx')
    .on('conversations')
    .columns(['tenant_id', 'assignee_id'])
    .execute();
  await db.schema
    .alterTable('tenants')
    .addColumn('auto_assign', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('tenants').addColumn('auto_assign_last', 'text').execute();
}

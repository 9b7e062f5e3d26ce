import type { Kysely } from 'kysely';

/**
 * What agents write about a lead (#15, lead panel): `display_name`, the name
 * an agent gave the lead (null: none, the WhatsApp profile name in `name`
 * shows), and `attributes`, a JSON object of the tenant's own key/value
 * strings (null: none). Providers never write either column, so a contact
 * sync never undoes an agent's edit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('leads').addColumn('display_name', 'text').execute();
  await db.schema.alterTable('leads').addColumn('attributes', 'text').execute();
}

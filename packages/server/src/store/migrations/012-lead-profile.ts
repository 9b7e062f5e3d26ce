import type { Kysely } from 'kysely';

/**
 * What a CRM keeps current about a lead beyond name and number (#13): the
 * WhatsApp profile picture URL Evolution's contact sync reports, and the
 * first-touch attribution (JSON of the click-to-WhatsApp ad of the first
 * message that carried a Cloud API `referral`; set once, never replaced).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('leads').addColumn('picture_url', 'text').execute();
  await db.schema.alterTable('leads').addColumn('attribution', 'text').execute();
}

import type { Kysely } from 'kysely';

/**
 * WhatsApp Cloud API instances. A Cloud instance reuses the instance columns
 * where their meaning carries over: `name` is the `phone_number_id` webhooks
 * are routed by, `apikey` the access token sent as `Authorization: Bearer`
 * to the Graph API, `base_url` the Graph API base (version included). Two
 * secrets are new:
 * - `app_secret`: the Meta app's secret; every POST is checked against its
 *   `X-Hub-Signature-256` HMAC.
 * - `verify_token`: what Meta echoes as `hub.verify_token` when the callback
 *   URL is set; the GET handshake carries no phone_number_id, so it is matched
 *   against every Cloud instance.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('app_secret', 'text').execute();
  await db.schema.alterTable('instances').addColumn('verify_token', 'text').execute();
}

import { type Kysely, SqliteAdapter, sql } from 'kysely';

/**
 * PostgreSQL: a change to what the webhook path reads of an instance (its
 * tenant, name, number, credentials, Business Account) notifies channel
 * `newton_instances` at commit, whoever made it: a node's admin API, the
 * `newton` CLI in another process, or SQL by hand. Each node keeps the
 * instances its webhooks named in memory (store/instance-cache.ts) and
 * forgets them all on that notification, so the lookup that opened every
 * webhook (a round trip to the database, #16) is made once per instance.
 * The state columns a node writes as webhooks come (`last_webhook_at`,
 * `state*`) are not in the list: those updates notify nobody. A statement
 * trigger: one notification per statement, and PostgreSQL sends one per
 * transaction however many it raised. Nothing to do on SQLite here; its
 * cache has a version of its own (migration 022).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`create function newton_instances_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('newton_instances', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger instances_changed
    after insert or delete or truncate
       or update of id, tenant_id, provider, name, number, apikey, webhook_secret, base_url,
                    app_secret, verify_token, waba_id, created_at
    on instances for each statement execute function newton_instances_changed()`.execute(db);
}

import { type Kysely, SqliteAdapter, sql } from 'kysely';

/** What the webhook path reads of an instance: a change to any of these moves the version. */
const WATCHED = [
  'id',
  'tenant_id',
  'provider',
  'name',
  'number',
  'apikey',
  'webhook_secret',
  'base_url',
  'app_secret',
  'verify_token',
  'waba_id',
  'created_at',
];

/**
 * SQLite: a change to what the webhook path reads of an instance gives
 * `instance_version.version` a new random value, in the writer's own
 * transaction, whoever wrote: a node's admin API, the `newton` CLI in another
 * process, SQL by hand, or a tenant's deletion cascading to its instances.
 * A node keeps the instances its webhooks named (store/instance-cache-sqlite.ts)
 * and reads the version before each use: the lookup that opened every webhook,
 * through Kysely's connection queue, took about 4 % of a webhook's CPU (#16).
 * Random, not a counter: a value is never seen twice, so a cache that read a
 * value and later reads the same one knows nothing changed in between. The
 * state columns a node writes as webhooks come (`last_webhook_at`, `state*`)
 * are not watched. PostgreSQL has its notifications (migration 021).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`create table instance_version (id integer primary key check (id = 1), version integer not null)`.execute(
    db,
  );
  await sql`insert into instance_version (id, version) values (1, random())`.execute(db);
  const bump = 'begin update instance_version set version = random(); end';
  await sql.raw(`create trigger instance_version_ai after insert on instances ${bump}`).execute(db);
  await sql.raw(`create trigger instance_version_ad after delete on instances ${bump}`).execute(db);
  await sql
    .raw(`create trigger instance_version_au after update of ${WATCHED.join(', ')} on instances ${bump}`)
    .execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * The uniqueness of a reply's `client_id` within its tenant (003) moves to
 * a partial index over the rows that have one. Inbound messages never do,
 * and every one of them used to add an entry `(tenant_id, NULL)` to the
 * full index: a B-tree page dirtied per webhook for an entry no query can
 * read (issue #16, docs/benchmarks.md). NULLs never collided, so the rule
 * is the same; a lookup by `client_id = ?` implies `client_id is not null`,
 * so both SQLite and PostgreSQL still use the index for it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_tenant_client_id_uq').execute();
  await db.schema
    .createIndex('messages_tenant_client_id_uq')
    .on('messages')
    .columns(['tenant_id', 'client_id'])
    .unique()
    .where(sql.ref('client_id'), 'is not', null)
    .execute();
}

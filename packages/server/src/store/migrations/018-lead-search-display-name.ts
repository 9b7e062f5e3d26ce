import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { LEAD_BODY_PG, LEAD_BODY_SQLITE } from '../search-terms.js';

/**
 * Search finds a lead by the name agents gave it (issue #15 §6; the lead
 * panel's `display_name`, migration 017) as well as by its WhatsApp profile
 * name and phone: the lead index triggers of 015 are made again with the body
 * of search-terms.ts (which holds `display_name`), firing on a change of any
 * of the three columns, and the leads that have a `display_name` are indexed
 * again (for the others the new body reads the same words as the old one).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await sqliteUp(db);
  else await postgresUp(db);
}

const tenantTokenSqlite = (r: string) => `'t' || lower(hex(${r}.tenant_id))`;

async function sqliteUp(db: Kysely<unknown>): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  const addLead = (r: string) => `
    insert into lead_search_docs (lead_id) values (${r}.id);
    insert into lead_fts (rowid, tenant, body) values (last_insert_rowid(), ${tenantTokenSqlite(r)}, ${LEAD_BODY_SQLITE(r)});`;
  const dropLead = (r: string) => `
    delete from lead_fts where rowid = (select doc from lead_search_docs where lead_id = ${r}.id);
    delete from lead_search_docs where lead_id = ${r}.id;`;
  await run('drop trigger if exists lead_search_ai');
  await run('drop trigger if exists lead_search_au');
  await run(`create trigger lead_search_ai after insert on leads begin ${addLead('new')} end`);
  await run(`create trigger lead_search_au after update of name, phone, display_name on leads
    when old.name is not new.name or old.phone is not new.phone or old.display_name is not new.display_name
    begin ${dropLead('old')} ${addLead('new')} end`);

  // Re-index the renamed leads under their own doc numbers (contentless_delete allows it).
  const renamed = `select d.doc from lead_search_docs d join leads l on l.id = d.lead_id where l.display_name is not null`;
  await run(`delete from lead_fts where rowid in (${renamed})`);
  await run(`insert into lead_fts (rowid, tenant, body)
    select d.doc, ${tenantTokenSqlite('l')}, ${LEAD_BODY_SQLITE('l')}
    from lead_search_docs d join leads l on l.id = d.lead_id where l.display_name is not null`);
}

async function postgresUp(db: Kysely<unknown>): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  await run(`create or replace function newton_lead_search() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.name is not distinct from old.name and new.phone is not distinct from old.phone
         and new.display_name is not distinct from old.display_name then
        return null;
      end if;
      insert into lead_search (lead_id, tenant_id, tsv)
        values (new.id, new.tenant_id, to_tsvector('simple', ${LEAD_BODY_PG('new')}))
        on conflict (lead_id) do update set tsv = excluded.tsv;
      return null;
    end $$`);
  await run('drop trigger if exists lead_search_sync on leads');
  await run(`create trigger lead_search_sync after insert or update of name, phone, display_name on leads
    for each row execute function newton_lead_search()`);
  await run(`insert into lead_search (lead_id, tenant_id, tsv)
    select l.id, l.tenant_id, to_tsvector('simple', ${LEAD_BODY_PG('l')}) from leads l
    where l.display_name is not null
    on conflict (lead_id) do update set tsv = excluded.tsv`);
}

import { type Kysely, SqliteAdapter, sql } from 'kysely';

/**
 * Full-text search (issue #15 §6): an index over every message's text (the
 * caption of a media message is its content) and every lead's name and phone,
 * kept in step by triggers, so that every write path (webhooks, replies,
 * edits, deletions, lead merges, probe clean-up) updates it in the same
 * transaction as the row. Left out: diagnostics probes, messages deleted for
 * everyone (`extra.deleted_at`), messages without text.
 *
 * SQLite: contentless FTS5 tables (`unicode61`, diacritics folded, prefix
 * indexes up to 6 characters) whose
 * rowids come from a mapping table with an INTEGER PRIMARY KEY (a message's
 * own implicit rowid may change on VACUUM); the first column is the tenant as
 * one token (`t` + hex of the id) so a query never reads another tenant's
 * postings. PostgreSQL: side tables of `tsvector` ('simple' configuration:
 * no stemming, any language) with a GIN index; text is lower-cased and its
 * accents folded by `newton_fold` (no extension needed). Existing rows are
 * indexed here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await sqliteUp(db);
  else await postgresUp(db);
}

/** Whether the message row `r` (`new` or `old`) belongs in the index (SQLite; 020 too). */
export const indexableSqlite = (r: string) =>
  `(${r}.is_probe = 0 and ${r}.content is not null and ${r}.content <> '' and ` +
  `(${r}.extra is null or not json_valid(${r}.extra) or json_extract(${r}.extra, '$.deleted_at') is null))`;

/**
 * Contentless (the text stays in its row only), rows deletable by rowid, no
 * positions (`detail=column`: no phrase queries are made, and doclists stay
 * small), accents folded, and prefix indexes up to FTS_PREFIX_MAX characters.
 */
const FTS_OPTIONS =
  "content='', contentless_delete=1, detail=column, tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6'";

/**
 * A lead's indexed text as 015 shipped it (SQL over row alias `r`): the name,
 * the phone and its suffixes. Frozen here so this migration means what it did
 * when released; the current body (018 on) is search-terms.ts' LEAD_BODY_*.
 */
function leadBody015(r: string, fold: (e: string) => string): string {
  const phone = `coalesce(${r}.phone, '')`;
  const suffixes = Array.from({ length: 12 }, (_, i) => `substr(${phone}, ${i + 2})`);
  return [fold(`coalesce(${r}.name, '')`), phone, ...suffixes].join(" || ' ' || ");
}
const LEAD_BODY_SQLITE = (r: string) => leadBody015(r, (e) => e);
const LEAD_BODY_PG = (r: string) => leadBody015(r, (e) => `newton_fold(${e})`);

export const tenantTokenSqlite = (r: string) => `'t' || lower(hex(${r}.tenant_id))`;

async function sqliteUp(db: Kysely<unknown>): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  await run(`create table message_search_docs (doc integer primary key, message_id text not null unique)`);
  await run(`create virtual table message_fts using fts5(tenant, body, ${FTS_OPTIONS})`);
  const addMessage = (r: string) => `
    insert into message_search_docs (message_id) values (${r}.id);
    insert into message_fts (rowid, tenant, body) values (last_insert_rowid(), ${tenantTokenSqlite(r)}, ${r}.content);`;
  const dropMessage = (r: string) => `
    delete from message_fts where rowid = (select doc from message_search_docs where message_id = ${r}.id);
    delete from message_search_docs where message_id = ${r}.id;`;
  await run(`create trigger message_search_ai after insert on messages
    when ${indexableSqlite('new')} begin ${addMessage('new')} end`);
  await run(`create trigger message_search_ad after delete on messages
    when ${indexableSqlite('old')} begin ${dropMessage('old')} end`);
  await run(`create trigger message_search_au after update of content, extra, is_probe on messages
    when ${indexableSqlite('old')} <> ${indexableSqlite('new')} or old.content is not new.content
    begin ${dropMessage('old')}
      insert into message_search_docs (message_id) select new.id where ${indexableSqlite('new')};
      insert into message_fts (rowid, tenant, body)
        select last_insert_rowid(), ${tenantTokenSqlite('new')}, new.content where ${indexableSqlite('new')};
    end`);

  await run(`create table lead_search_docs (doc integer primary key, lead_id text not null unique)`);
  await run(`create virtual table lead_fts using fts5(tenant, body, ${FTS_OPTIONS})`);
  const addLead = (r: string) => `
    insert into lead_search_docs (lead_id) values (${r}.id);
    insert into lead_fts (rowid, tenant, body) values (last_insert_rowid(), ${tenantTokenSqlite(r)}, ${LEAD_BODY_SQLITE(r)});`;
  const dropLead = (r: string) => `
    delete from lead_fts where rowid = (select doc from lead_search_docs where lead_id = ${r}.id);
    delete from lead_search_docs where lead_id = ${r}.id;`;
  await run(`create trigger lead_search_ai after insert on leads begin ${addLead('new')} end`);
  await run(`create trigger lead_search_ad after delete on leads begin ${dropLead('old')} end`);
  await run(`create trigger lead_search_au after update of name, phone on leads
    when old.name is not new.name or old.phone is not new.phone
    begin ${dropLead('old')} ${addLead('new')} end`);

  // Backfill, in rowid order of the rows (oldest first).
  await run(`insert into message_search_docs (message_id)
    select m.id from messages m where ${indexableSqlite('m')} order by m.rowid`);
  await run(`insert into message_fts (rowid, tenant, body)
    select d.doc, ${tenantTokenSqlite('m')}, m.content from message_search_docs d join messages m on m.id = d.message_id`);
  await run(`insert into lead_search_docs (lead_id) select l.id from leads l order by l.rowid`);
  await run(`insert into lead_fts (rowid, tenant, body)
    select d.doc, ${tenantTokenSqlite('l')}, ${LEAD_BODY_SQLITE('l')} from lead_search_docs d join leads l on l.id = d.lead_id`);
}

async function postgresUp(db: Kysely<unknown>): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  // Lower case, accents folded (Spanish, Portuguese and the other Latin scripts), without `unaccent`.
  await run(`create or replace function newton_fold(t text) returns text language sql immutable parallel safe as $$
    select translate(lower(t),
      'áàâãäåāăąéèêëēėęěíìîïīįóòôõöøōőúùûüūůűųçćčñńňýÿšśžźżđğłřť',
      'aaaaaaaaaeeeeeeeeiiiiiioooooooouuuuuuuucccnnnyysszzzdglrt')
  $$`);
  await run(`create table message_search (
    message_id text primary key references messages(id) on delete cascade,
    tenant_id text not null,
    at bigint not null,
    tsv tsvector not null)`);
  await run(`create index message_search_tsv_idx on message_search using gin (tsv)`);
  // The newest matches first (search ranks the most recent ones): for a common word the planner walks this.
  await run(`create index message_search_recent_idx on message_search (tenant_id, at)`);
  await run(`create function newton_message_search() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.content is not distinct from old.content
         and new.is_probe = old.is_probe and new.extra is not distinct from old.extra then
        return null;
      end if;
      if new.is_probe = 0 and coalesce(new.content, '') <> ''
         and (new.extra is null or new.extra not like '%"deleted_at"%' or (new.extra::jsonb ->> 'deleted_at') is null) then
        insert into message_search (message_id, tenant_id, at, tsv)
          values (new.id, new.tenant_id, new.timestamp, to_tsvector('simple', newton_fold(new.content)))
          on conflict (message_id) do update set tsv = excluded.tsv;
      elsif tg_op = 'UPDATE' then
        delete from message_search where message_id = new.id;
      end if;
      return null;
    end $$`);
  await run(`create trigger message_search_sync after insert or update of content, extra, is_probe on messages
    for each row execute function newton_message_search()`);

  await run(`create table lead_search (
    lead_id text primary key references leads(id) on delete cascade,
    tenant_id text not null,
    tsv tsvector not null)`);
  await run(`create index lead_search_tsv_idx on lead_search using gin (tsv)`);
  await run(`create function newton_lead_search() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.name is not distinct from old.name and new.phone is not distinct from old.phone then
        return null;
      end if;
      insert into lead_search (lead_id, tenant_id, tsv)
        values (new.id, new.tenant_id, to_tsvector('simple', ${LEAD_BODY_PG('new')}))
        on conflict (lead_id) do update set tsv = excluded.tsv;
      return null;
    end $$`);
  await run(`create trigger lead_search_sync after insert or update of name, phone on leads
    for each row execute function newton_lead_search()`);

  await run(`insert into message_search (message_id, tenant_id, at, tsv)
    select m.id, m.tenant_id, m.timestamp, to_tsvector('simple', newton_fold(m.content)) from messages m
    where m.is_probe = 0 and coalesce(m.content, '') <> ''
      and (m.extra is null or m.extra not like '%"deleted_at"%' or (m.extra::jsonb ->> 'deleted_at') is null)`);
  await run(`insert into lead_search (lead_id, tenant_id, tsv)
    select l.id, l.tenant_id, to_tsvector('simple', ${LEAD_BODY_PG('l')}) from leads l`);
}

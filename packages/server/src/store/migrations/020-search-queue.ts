import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { indexableSqlite } from './015-search.js';

/**
 * SQLite: a message's text is indexed for search in batches, no longer by
 * the trigger in the transaction that stores it (issue #16). FTS5 writes a
 * new segment, its structure record and its averages at every commit that
 * indexed anything, and merges those segments as they pile up: with a
 * webhook's commit carrying a few messages that was the largest single
 * piece of a webhook's CPU (docs/benchmarks.md, "What a webhook's commit
 * wrote"). Now the insert trigger gives the message its document number, as
 * before, and queues that number in `message_search_queue`, in the same
 * transaction; the search indexer (store/search-indexer.ts) indexes what is
 * queued every few hundred milliseconds, in one background transaction, and
 * a search indexes what is still queued before it reads, so a search still
 * finds every message stored before it.
 *
 * A message that leaves the index (deleted, deleted for everyone, a probe,
 * its text edited) leaves the queue too; it is deleted from the FTS table
 * only when it was indexed (not queued): its document number may be given
 * again to the next message. The lead index keeps its triggers (a lead is
 * written far less often than a message). PostgreSQL keeps its trigger:
 * its `tsvector` is a column of a row, with no per-commit segment.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  const run = (text: string) => sql.raw(text).execute(db);
  await run('create table message_search_queue (doc integer primary key)');
  // `when`: the trigger's own condition already holds (no need to test the row again).
  const queue = (r: string, when = 'true') => `
    insert into message_search_docs (message_id) select ${r}.id where ${when};
    insert into message_search_queue (doc) select last_insert_rowid() where ${when};`;
  const drop = (r: string) => `
    delete from message_fts where rowid = (
      select d.doc from message_search_docs d
       where d.message_id = ${r}.id
         and not exists (select 1 from message_search_queue q where q.doc = d.doc));
    delete from message_search_queue where doc = (select doc from message_search_docs where message_id = ${r}.id);
    delete from message_search_docs where message_id = ${r}.id;`;
  for (const t of ['message_search_ai', 'message_search_ad', 'message_search_au'])
    await run(`drop trigger ${t}`);
  await run(`create trigger message_search_ai after insert on messages
    when ${indexableSqlite('new')} begin ${queue('new')} end`);
  await run(`create trigger message_search_ad after delete on messages
    when ${indexableSqlite('old')} begin ${drop('old')} end`);
  await run(`create trigger message_search_au after update of content, extra, is_probe on messages
    when ${indexableSqlite('old')} <> ${indexableSqlite('new')} or old.content is not new.content
    begin ${drop('old')} ${queue('new', indexableSqlite('new'))} end`);
}

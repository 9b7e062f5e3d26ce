import { type Kysely, sql, type Transaction } from 'kysely';
import type { Write } from './inbound.js';
import { tenantTokenSqlite } from './migrations/015-search.js';
import type { Database } from './schema.js';

/**
 * Documents indexed per transaction at most. A pass of this many takes a few
 * milliseconds on the event loop (tokenising into six prefix indexes), so a
 * webhook that arrives meanwhile never waits long; a bigger queue (a
 * backfill, a search after a quiet start) takes several passes, with
 * webhooks' transactions between them.
 */
const MAX_DOCS = 256;

const TENANT_TOKEN = tenantTokenSqlite('m');

/**
 * SQLite: indexes the messages migration 020's trigger queued for search
 * (`message_search_queue`), in background transactions of the group commit
 * (they yield to webhooks), every `intervalMs` and whenever a search asks
 * (`catchUp`). One FTS5 segment per pass instead of one per webhook commit
 * (issue #16).
 */
export class SearchIndexer {
  private timer: NodeJS.Timeout | undefined;
  /** The passes in order; each starts when the previous one settled. */
  private tail: Promise<void> = Promise.resolve();
  /** A pass that has not started yet: a caller arriving now shares it. */
  private next: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
    private readonly onError: (message: string) => void,
  ) {}

  /**
   * Indexes what is queued every `intervalMs` (0: only when a search asks).
   * @default 200
   */
  start(intervalMs = 200): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      // A pass still waiting to start covers this tick.
      if (this.next) return;
      this.catchUp().catch((err: unknown) => this.onError((err as Error).message));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the pass under way, if any. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.tail;
  }

  /**
   * Resolves once every message queued before the call is indexed (a search
   * calls it before it reads the index).
   */
  catchUp(): Promise<void> {
    if (this.next) return this.next;
    const pass = this.tail.then(() => {
      this.next = undefined;
      return this.drain();
    });
    this.next = pass;
    this.tail = pass.catch(() => {});
    return pass;
  }

  private async drain(): Promise<void> {
    // Read outside any transaction: an idle node takes no write lock for an empty queue.
    const { rows } = await sql<{ any: number }>`
      select exists (select 1 from message_search_queue) as any`.execute(this.db);
    if (!rows[0]?.any) return;
    let indexed: number;
    do indexed = await this.write(indexQueued, true, MAX_DOCS);
    while (indexed === MAX_DOCS);
  }
}

/** One pass: the oldest MAX_DOCS queued documents into the FTS table; returns how many. */
async function indexQueued(trx: Transaction<Database>): Promise<number> {
  const bound = await sql<{ doc: number }>`
    select doc from message_search_queue order by doc limit 1 offset ${MAX_DOCS - 1}`.execute(trx);
  const through =
    bound.rows[0]?.doc ??
    (await sql<{ doc: number | null }>`select max(doc) as doc from message_search_queue`.execute(trx)).rows[0]
      ?.doc;
  if (through === null || through === undefined) return 0;
  await sql`
    insert into message_fts (rowid, tenant, body)
    select d.doc, ${sql.raw(TENANT_TOKEN)}, m.content
      from message_search_queue q
      cross join message_search_docs d
      cross join messages m
     where q.doc <= ${through} and d.doc = q.doc and m.id = d.message_id`.execute(trx);
  const done = await sql`delete from message_search_queue where doc <= ${through}`.execute(trx);
  return Number(done.numAffectedRows ?? 0);
}

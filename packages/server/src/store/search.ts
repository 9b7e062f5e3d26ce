/**
 * Full-text search over a tenant's messages and leads (issue #15 §6), on the
 * index migrations 015 and 018 keep in step by triggers: FTS5 with bm25 on SQLite,
 * tsvector with ts_rank on PostgreSQL. Every query is scoped to the tenant
 * twice: in the index (the tenant's token, the `tenant_id` column) and again
 * on the rows read back. Ranked best first; ties newest first.
 */
import type { SearchAnswer, SearchLeadHit, SearchMessageHit } from '@newton/protocol';
import { type Kysely, sql } from 'kysely';
import type { Dialect } from './db.js';
import { type InboxStore, InvalidCursorError } from './inbox.js';
import { leadPayload, messagePayload, toIso } from './mappers.js';
import type { Database } from './schema.js';
import {
  ftsMatch,
  matchRanges,
  phoneRanges,
  queryTerms,
  snippetOf,
  termCounts,
  tsQuery,
} from './search-terms.js';

/**
 * Candidates read per query: the most recent matches of the index (walked
 * newest first, so a word in half the messages costs what a rare one does),
 * then checked and ranked here. A query matching more is ranked among these.
 */
export const RANK_WINDOW = 500;
const LEAD_WINDOW = 50;
const LEAD_HITS = 10;

export interface SearchOptions {
  q: string;
  limit: number;
  cursor?: string | undefined;
}

function decodeOffset(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^o:(\d{1,5})$/.exec(text);
  const offset = m ? Number(m[1]) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset <= 0 || offset >= RANK_WINDOW) throw new InvalidCursorError();
  return offset;
}

const encodeOffset = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');

interface Candidate {
  id: string;
  content: string | null;
  at: number;
}

/**
 * BM25's term-frequency part (k1 1.2, b 0.75) over the candidates; every
 * candidate holds every term, so the terms' rarity is the same for all.
 * Candidates that do not really hold every term (a term longer than the
 * index's prefixes) are left out. Best first, then newest.
 */
function rank(candidates: Candidate[], terms: string[]): Candidate[] {
  const scored = candidates.flatMap((c) => {
    const text = c.content ?? '';
    const { counts, words } = termCounts(text, terms);
    return counts.every((n) => n > 0) ? [{ c, counts, len: Math.max(1, words) }] : [];
  });
  const avg = scored.reduce((s, x) => s + x.len, 0) / Math.max(1, scored.length);
  const score = (x: (typeof scored)[number]) =>
    x.counts.reduce((s, tf) => s + (tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * x.len) / avg)), 0);
  return scored
    .map((x) => ({ c: x.c, s: score(x) }))
    .sort((a, b) => b.s - a.s || b.c.at - a.c.at || (a.c.id < b.c.id ? 1 : -1))
    .map((x) => x.c);
}

export class SearchStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly inbox: InboxStore,
    /** Indexes the messages still queued for search (SQLite, migration 020); resolves when done. */
    private readonly catchUp: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async search(tenantId: string, opts: SearchOptions): Promise<SearchAnswer> {
    const terms = queryTerms(opts.q);
    const offset = opts.cursor ? decodeOffset(opts.cursor) : 0;
    if (terms.length === 0) return { terms, messages: [], leads: [], next_cursor: null };
    // Every message stored before the search is found: what is still queued is indexed first.
    await this.catchUp();
    const ranked = rank(await this.candidates(tenantId, terms), terms);
    const page = ranked.slice(offset, offset + opts.limit);
    const more = ranked.length > offset + opts.limit;
    const [messages, leads] = await Promise.all([
      this.messageHits(
        tenantId,
        page.map((c) => c.id),
        terms,
      ),
      offset === 0 ? this.leadHits(tenantId, terms) : Promise.resolve([]),
    ]);
    return { terms, messages, leads, next_cursor: more ? encodeOffset(offset + opts.limit) : null };
  }

  /**
   * The tenant's most recent RANK_WINDOW messages the index matches, with
   * their text (SQLite: CROSS JOIN keeps the planner from walking the
   * tenant's messages first).
   */
  private async candidates(tenantId: string, terms: string[]): Promise<Candidate[]> {
    const { rows } =
      this.dialect === 'sqlite'
        ? await sql<Candidate>`
            select m.id, m.content, m.timestamp as at from (
              select rowid as doc from message_fts
              where message_fts match ${ftsMatch(tenantId, terms)}
              order by rowid desc limit ${RANK_WINDOW}
            ) r
            cross join message_search_docs d
            cross join messages m
            where d.doc = r.doc and m.id = d.message_id and m.tenant_id = ${tenantId}`.execute(this.db)
        : await sql<Candidate>`
            select m.id, m.content, m.timestamp as at from (
              select s.message_id from message_search s
              where s.tenant_id = ${tenantId} and s.tsv @@ to_tsquery('simple', ${tsQuery(terms)})
              order by s.at desc limit ${RANK_WINDOW}
            ) r
            join messages m on m.id = r.message_id
            where m.tenant_id = ${tenantId}`.execute(this.db);
    return rows.map((r) => ({ ...r, at: Number(r.at) }));
  }

  private async messageHits(tenantId: string, ids: string[], terms: string[]): Promise<SearchMessageHit[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages as m')
      .innerJoin('leads as l', 'l.id', 'm.lead_id')
      .selectAll('m')
      .select('l.phone as lead_phone')
      .where('m.id', 'in', ids)
      .execute()
      // The tenant is checked here: with it in the query, SQLite walked the tenant's messages instead of the ids.
      .then((all) => all.filter((r) => r.tenant_id === tenantId));
    const convs = await this.inbox.conversationsByIds(tenantId, [
      ...new Set(rows.map((r) => r.conversation_id)),
    ]);
    const convById = new Map(convs.map((c) => [c.id, c]));
    const rowById = new Map(rows.map((r) => [r.id, r]));
    const hits: SearchMessageHit[] = [];
    for (const id of ids) {
      const row = rowById.get(id);
      const conversation = row && convById.get(row.conversation_id);
      if (!row || !conversation) continue;
      hits.push({
        message: messagePayload(row, row.lead_phone),
        conversation,
        ...snippetOf(row.content ?? '', terms),
      });
    }
    return hits;
  }

  /**
   * Leads whose names (words beginning with every term, in the name agents
   * gave it or its WhatsApp profile name) or phone (holding every digit term)
   * match: the most recent LEAD_WINDOW candidates of the index, those
   * matching more terms in a name first.
   */
  private async leadHits(tenantId: string, terms: string[]): Promise<SearchLeadHit[]> {
    const { rows: found } =
      this.dialect === 'sqlite'
        ? await sql<{ id: string }>`
            select d.lead_id as id from (
              select rowid as doc from lead_fts where lead_fts match ${ftsMatch(tenantId, terms)}
              order by rowid desc limit ${LEAD_WINDOW}
            ) r join lead_search_docs d on d.doc = r.doc`.execute(this.db)
        : await sql<{ id: string }>`
            select s.lead_id as id from lead_search s
            where s.tenant_id = ${tenantId} and s.tsv @@ to_tsquery('simple', ${tsQuery(terms)})
            limit ${LEAD_WINDOW}`.execute(this.db);
    const ids = found.map((r) => r.id);
    if (ids.length === 0) return [];
    const [leads, convs] = await Promise.all([
      this.db
        .selectFrom('leads')
        .selectAll()
        .where('id', 'in', ids)
        .execute()
        .then((all) => all.filter((r) => r.tenant_id === tenantId)),
      this.db
        .selectFrom('conversations')
        .select(['id', 'lead_id'])
        .where('tenant_id', '=', tenantId)
        .where('lead_id', 'in', ids)
        .orderBy('last_message_at', 'desc')
        .execute(),
    ]);
    const latest = new Map<string, string>();
    for (const c of convs) if (!latest.has(c.lead_id)) latest.set(c.lead_id, c.id);
    const digits = (t: string) => /^\d+$/.test(t);
    return leads
      .flatMap((row) => {
        const inName = termCounts(`${row.display_name ?? ''} ${row.name ?? ''}`, terms).counts;
        const all = terms.every(
          (t, i) => (inName[i] ?? 0) > 0 || (digits(t) && (row.phone ?? '').includes(t)),
        );
        return all ? [{ row, named: inName.filter((n) => n > 0).length }] : [];
      })
      .sort((a, b) => b.named - a.named || Number(b.row.updated_at) - Number(a.row.updated_at))
      .slice(0, LEAD_HITS)
      .map(({ row }): SearchLeadHit => {
        const lead = {
          ...leadPayload(row),
          created_at: toIso(row.created_at),
          updated_at: toIso(row.updated_at),
        };
        return {
          lead,
          conversation_id: latest.get(row.id) ?? null,
          highlights: {
            name: lead.name ? matchRanges(lead.name, terms) : [],
            phone: row.phone ? phoneRanges(row.phone, terms) : [],
            // The profile name travels beside an agent's name: its matches too.
            ...(row.display_name !== null
              ? { profile_name: row.name ? matchRanges(row.name, terms) : [] }
              : {}),
          },
        };
      });
  }
}

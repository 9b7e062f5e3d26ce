/**
 * Full-text search over a tenant's messages and leads (issue #15 §6), on the
 * index migration 015 keeps in step by triggers: FTS5 with bm25 on SQLite,
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
import { ftsMatch, matchRanges, phoneRanges, queryTerms, snippetOf, tsQuery } from './search-terms.js';

/** Deepest a cursor may page (offset of the first result). */
export const MAX_SEARCH_OFFSET = 1000;
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
  if (!Number.isSafeInteger(offset) || offset <= 0 || offset > MAX_SEARCH_OFFSET)
    throw new InvalidCursorError();
  return offset;
}

const encodeOffset = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');

export class SearchStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly inbox: InboxStore,
  ) {}

  async search(tenantId: string, opts: SearchOptions): Promise<SearchAnswer> {
    const terms = queryTerms(opts.q);
    const offset = opts.cursor ? decodeOffset(opts.cursor) : 0;
    if (terms.length === 0) return { terms, messages: [], leads: [], next_cursor: null };
    const [ids, leads] = await Promise.all([
      this.messageIds(tenantId, terms, opts.limit + 1, offset),
      offset === 0 ? this.leadHits(tenantId, terms) : Promise.resolve([]),
    ]);
    const more = ids.length > opts.limit && offset + opts.limit < MAX_SEARCH_OFFSET;
    const messages = await this.messageHits(tenantId, ids.slice(0, opts.limit), terms);
    return { terms, messages, leads, next_cursor: more ? encodeOffset(offset + opts.limit) : null };
  }

  /** Ids of the matching messages, best first. */
  private async messageIds(
    tenantId: string,
    terms: string[],
    limit: number,
    offset: number,
  ): Promise<string[]> {
    const { rows } =
      this.dialect === 'sqlite'
        ? await sql<{ id: string }>`
            select d.message_id as id from message_fts f
            join message_search_docs d on d.doc = f.rowid
            where message_fts match ${ftsMatch(tenantId, terms)}
            order by bm25(message_fts, 0.0, 1.0), f.rowid desc
            limit ${limit} offset ${offset}`.execute(this.db)
        : await sql<{ id: string }>`
            select s.message_id as id from message_search s
            where s.tenant_id = ${tenantId} and s.tsv @@ to_tsquery('simple', ${tsQuery(terms)})
            order by ts_rank(s.tsv, to_tsquery('simple', ${tsQuery(terms)})) desc, s.at desc, s.message_id desc
            limit ${limit} offset ${offset}`.execute(this.db);
    return rows.map((r) => r.id);
  }

  private async messageHits(tenantId: string, ids: string[], terms: string[]): Promise<SearchMessageHit[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages as m')
      .innerJoin('leads as l', 'l.id', 'm.lead_id')
      .selectAll('m')
      .select('l.phone as lead_phone')
      .where('m.tenant_id', '=', tenantId)
      .where('m.id', 'in', ids)
      .execute();
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

  /** Leads whose name or phone match, best first, with their latest conversation. */
  private async leadHits(tenantId: string, terms: string[]): Promise<SearchLeadHit[]> {
    const { rows: found } =
      this.dialect === 'sqlite'
        ? await sql<{ id: string }>`
            select d.lead_id as id from lead_fts f
            join lead_search_docs d on d.doc = f.rowid
            where lead_fts match ${ftsMatch(tenantId, terms)}
            order by bm25(lead_fts, 0.0, 1.0), f.rowid desc
            limit ${LEAD_HITS}`.execute(this.db)
        : await sql<{ id: string }>`
            select s.lead_id as id from lead_search s
            where s.tenant_id = ${tenantId} and s.tsv @@ to_tsquery('simple', ${tsQuery(terms)})
            order by ts_rank(s.tsv, to_tsquery('simple', ${tsQuery(terms)})) desc, s.lead_id desc
            limit ${LEAD_HITS}`.execute(this.db);
    const ids = found.map((r) => r.id);
    if (ids.length === 0) return [];
    const [leads, convs] = await Promise.all([
      this.db
        .selectFrom('leads')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', ids)
        .execute(),
      this.db
        .selectFrom('conversations')
        .select(['id', 'lead_id'])
        .where('tenant_id', '=', tenantId)
        .where('lead_id', 'in', ids)
        .orderBy('last_message_at', 'desc')
        .execute(),
    ]);
    const byId = new Map(leads.map((l) => [l.id, l]));
    const latest = new Map<string, string>();
    for (const c of convs) if (!latest.has(c.lead_id)) latest.set(c.lead_id, c.id);
    return ids.flatMap((id): SearchLeadHit[] => {
      const row = byId.get(id);
      if (!row) return [];
      return [
        {
          lead: { ...leadPayload(row), created_at: toIso(row.created_at), updated_at: toIso(row.updated_at) },
          conversation_id: latest.get(id) ?? null,
          highlights: {
            name: row.name ? matchRanges(row.name, terms) : [],
            phone: row.phone ? phoneRanges(row.phone, terms) : [],
          },
        },
      ];
    });
  }
}

/**
 * What search reads of a query and shows of a hit, the same for SQLite and
 * PostgreSQL: terms folded the way the index folds text (lower case, accents
 * removed: "canción" finds "CANCION"), each a word prefix; the MATCH and
 * tsquery texts built from them; and the snippet of a hit with its matched
 * words marked as [start, end) offsets (never markup: the client decides how
 * to show them).
 */

/** At most this many terms of a query are used. */
export const MAX_TERMS = 8;
const MAX_TERM_CHARS = 64;

/** Letters the index folds beyond what NFD decomposes (PostgreSQL's `newton_fold` does the same). */
const EXTRA_FOLD: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd' };

/** Lower case without accents, one output character per input character where possible. */
export function fold(text: string): string {
  // ASCII needs no decomposition (most chat text): lower case only.
  if (!/[\u0080-\uffff]/.test(text)) return text.toLowerCase();
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[øłđ]/g, (c) => EXTRA_FOLD[c] ?? c);
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The distinct folded words of a query, at most MAX_TERMS, each cut to 64 characters. */
export function queryTerms(q: string): string[] {
  const terms = new Set<string>();
  for (const m of fold(q).matchAll(WORD)) {
    terms.add(m[0].slice(0, MAX_TERM_CHARS));
    if (terms.size === MAX_TERMS) break;
  }
  return [...terms];
}

/** Terms of one character match that word exactly; longer ones any word they begin. */
const isPrefix = (term: string) => term.length > 1;

/**
 * Longest prefix the FTS5 tables index (`prefix='2 3 4 5 6'`): a longer term
 * is looked up by its first 6 characters (a superset, answered from the prefix
 * index instead of merging every matching word's postings) and the candidates
 * are then checked against the whole term (`termMatches`).
 */
export const FTS_PREFIX_MAX = 6;

/** FTS5 MATCH text: the tenant's token and every term (as prefix) in `body`. */
export function ftsMatch(tenantId: string, terms: string[]): string {
  const body = terms.map((t) => (isPrefix(t) ? `"${t.slice(0, FTS_PREFIX_MAX)}"*` : `"${t}"`)).join(' AND ');
  return `tenant : "${tenantToken(tenantId)}" AND body : (${body})`;
}

/** The tenant as one FTS5 token (its id may hold separators). */
export function tenantToken(tenantId: string): string {
  return `t${Buffer.from(tenantId, 'utf8').toString('hex')}`;
}

/** PostgreSQL `to_tsquery('simple', …)` text: every term, prefixes with `:*`. */
export function tsQuery(terms: string[]): string {
  return terms.map((t) => (isPrefix(t) ? `'${t}':*` : `'${t}'`)).join(' & ');
}

/**
 * A lead's indexed text (SQL over row alias `r`), since migration 018: the
 * WhatsApp profile name, the name agents gave it (`display_name`), the phone
 * and each of its suffixes, so that a prefix query of digits finds any part
 * of the number ("3001112" finds 573001112233). The one definition of 018's
 * triggers and backfill: a change here needs a new migration that re-creates
 * them, with 018's body frozen into 018 first (as 015's is in 015).
 */
const PHONE_SUFFIXES = 12;
function leadBody(r: string, fold: (e: string) => string): string {
  const phone = `coalesce(${r}.phone, '')`;
  const suffixes = Array.from({ length: PHONE_SUFFIXES }, (_, i) => `substr(${phone}, ${i + 2})`);
  const names = [fold(`coalesce(${r}.name, '')`), fold(`coalesce(${r}.display_name, '')`)];
  return [...names, phone, ...suffixes].join(" || ' ' || ");
}
export const LEAD_BODY_SQLITE = (r: string) => leadBody(r, (e) => e);
export const LEAD_BODY_PG = (r: string) => leadBody(r, (e) => `newton_fold(${e})`);

export type Range = [start: number, end: number];

/**
 * How many words of `text` each term matches (0 for a term it lacks), and
 * how many words it has: the text is folded once (ranking needs no offsets).
 */
export function termCounts(text: string, terms: string[]): { counts: number[]; words: number } {
  const counts = terms.map(() => 0);
  let words = 0;
  for (const m of fold(text).matchAll(WORD)) {
    words++;
    const word = m[0];
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i] as string;
      if (isPrefix(t) ? word.startsWith(t) : word === t) counts[i] = (counts[i] ?? 0) + 1;
    }
  }
  return { counts, words };
}

/** Ranges of the words of `text` that a term begins (or equals, for one-character terms). */
export function matchRanges(text: string, terms: string[]): Range[] {
  const ranges: Range[] = [];
  for (const m of text.matchAll(WORD)) {
    const word = fold(m[0]);
    if (terms.some((t) => (isPrefix(t) ? word.startsWith(t) : word === t))) {
      ranges.push([m.index, m.index + m[0].length]);
    }
  }
  return ranges;
}

/** Ranges of `phone` matching a term of digits anywhere in it. */
export function phoneRanges(phone: string, terms: string[]): Range[] {
  const out: Range[] = [];
  for (const t of terms) {
    if (!/^\d+$/.test(t)) continue;
    const at = phone.indexOf(t);
    if (at >= 0) out.push([at, at + t.length]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

export interface Snippet {
  snippet: string;
  highlights: Range[];
}

/**
 * At most `max` characters of `text` around its first match, cut at word
 * boundaries with `…` where text was left out, and the matches in it.
 */
export function snippetOf(text: string, terms: string[], max = 160): Snippet {
  const all = matchRanges(text, terms);
  if (text.length <= max) return { snippet: text, highlights: all };
  const first = all[0]?.[0] ?? 0;
  let start = Math.max(0, first - Math.floor(max / 3));
  if (start > 0) {
    const space = text.lastIndexOf(' ', start);
    start = space >= 0 && first - space <= max / 2 ? space + 1 : start;
  }
  let end = Math.min(text.length, start + max);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > first) end = space;
  }
  const lead = start > 0 ? '…' : '';
  const tail = end < text.length ? '…' : '';
  const shift = lead.length - start;
  const highlights = all
    .filter(([s, e]) => s >= start && e <= end)
    .map(([s, e]): Range => [s + shift, e + shift]);
  return { snippet: `${lead}${text.slice(start, end)}${tail}`, highlights };
}

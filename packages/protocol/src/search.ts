/**
 * `GET /api/search?q=…` (issue #15 §6): full-text search over every message
 * and lead of the caller's tenant, ranked best first. Matches are words
 * beginning with each term of `q`, case and accents ignored ("cancion" finds
 * "Canción"); every term must match. Highlights are `[start, end)` offsets
 * (UTF-16 code units, as JavaScript strings index) into the text they mark.
 */
import type { ConversationState, MessagePayload } from './events.js';
import type { LeadListItem } from './rest.js';

/** `[start, end)` of a matched word, in UTF-16 code units. */
export type SearchHighlight = [start: number, end: number];

/** A message that matched: the message, its conversation (with its lead) and a marked excerpt. */
export interface SearchMessageHit {
  message: MessagePayload;
  conversation: ConversationState;
  /** At most ~160 characters of the message around the first match; `…` where text was left out. */
  snippet: string;
  /** The matched words in `snippet`. */
  highlights: SearchHighlight[];
}

/**
 * A lead whose name or phone matched: the name agents gave it (shown as
 * `lead.name`), its WhatsApp profile name (`lead.profile_name` when agents
 * renamed it, else `lead.name`) or its phone.
 */
export interface SearchLeadHit {
  lead: LeadListItem;
  /** The lead's most recently active conversation, null when it has none. */
  conversation_id: string | null;
  /**
   * The matched words of `lead.name`, the matched digits of `lead.phone` and,
   * when `lead.profile_name` is there (agents renamed the lead), the matched
   * words of `lead.profile_name`.
   */
  highlights: { name: SearchHighlight[]; phone: SearchHighlight[]; profile_name?: SearchHighlight[] };
}

/** The answer of `GET /api/search`. */
export interface SearchAnswer {
  /** The folded terms the query was read as (empty: nothing searchable in `q`). */
  terms: string[];
  /** Messages, best match first (ties: newest first). */
  messages: SearchMessageHit[];
  /** Leads, only on the first page (no `cursor`): at most 10. */
  leads: SearchLeadHit[];
  /** More messages: repeat with `cursor=next_cursor`; null on the last page. */
  next_cursor: string | null;
}

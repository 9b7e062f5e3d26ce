/**
 * The lead panel's REST (#15): `GET /api/leads/{id}` answers a LeadDetail,
 * `PATCH /api/leads/{id}` takes a LeadPatch and answers the lead as it is now
 * (also sent as `lead_updated`).
 */
import type { ConversationState } from './events.js';
import type { LeadListItem } from './rest.js';

/** Limits of what agents write about a lead; a PATCH beyond them is a 400 `invalid_request`. */
export const LEAD_LIMITS = {
  /** Longest agent-given name, in characters. */
  nameChars: 200,
  /** Longest attribute key, in characters (keys are trimmed, non-empty, no control characters). */
  keyChars: 64,
  /** Longest attribute value, in characters. */
  valueChars: 1000,
  /** Most attributes one lead keeps. */
  attributes: 50,
} as const;

/** `GET /api/leads/{id}`: the lead with what the panel shows beside it. */
export interface LeadDetail extends LeadListItem {
  /** ISO-8601 time of the lead's first message (either direction), or when Newton first saw the lead. */
  first_contact_at: string;
  /** Every conversation of the lead, on any of the tenant's numbers, by last activity (newest first). */
  conversations: ConversationState[];
}

/**
 * `PATCH /api/leads/{id}`: only the fields sent change. `name`: the agent's
 * name for the lead; null or blank removes it (the WhatsApp profile name
 * shows again). `attributes`: merged into the lead's (JSON merge patch): a
 * string sets the key, null removes it, keys not sent stay as they are.
 */
export interface LeadPatch {
  name?: string | null;
  attributes?: Record<string, string | null>;
}

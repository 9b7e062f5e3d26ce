import type { InboundMessage } from '../../core/index.js';
import type { ReactionAct, RevokeAct } from './message-acts.js';

/** Who the chat is with, as far as the webhook tells. */
export interface ChatParty {
  /** E.164 with `+`, or null when only a LID was given. */
  phone: string | null;
  /** LID digits (no `@lid`), when the chat or its alt address is a LID. */
  lid: string | null;
  /** The JID to reply to: the phone JID when known, else the full `…@lid`. */
  replyTo: string;
}

/**
 * One `messages.upsert` item, normalised but not yet routed to a tenant.
 * `timestamp` comes from `messageTimestamp` (unix seconds), receipt time when absent.
 */
export interface ParsedEvolutionMessage
  extends Pick<
    InboundMessage,
    'providerMessageId' | 'direction' | 'sender' | 'type' | 'content' | 'status' | 'timestamp' | 'extra'
  > {
  party: ChatParty;
  /** `pushName` when the customer wrote it (never taken from `fromMe` messages). */
  pushName: string | null;
}

/** The outcome of reading one `messages.upsert` data item. */
export type UpsertItem =
  | { kind: 'message'; message: ParsedEvolutionMessage }
  /** A reaction on another message (never a message of its own). */
  | ReactionAct
  /** A message deleted for everyone (a revoking protocolMessage). */
  | RevokeAct
  /** Recorded but no lead/message made: groups, newsletters, status, protocol messages… */
  | { kind: 'ignored'; reason: string; providerMessageId: string | null }
  /** The item does not have the shape Evolution sends (missing key, wrong types). */
  | { kind: 'invalid'; reason: string };

/** The envelope every Evolution webhook shares (docs/api.md §1.1). */
export interface EvolutionEnvelope {
  /** Dotted lowercase event name, e.g. `messages.upsert`. */
  event: string;
  /** Instance name (not id). */
  instance: string;
  /** The connected account's own JID, when Evolution knows it. */
  sender: string | null;
  /** Instance token, when Evolution is set to expose it. */
  apikey: string | null;
  data: unknown;
}

/**
 * What the inbox keeps beyond the wire types (those come from
 * `@newton/protocol`: `ConversationState`, `MessagePayload`, `Page`, …).
 */
import type { MessagePayload } from '@newton/protocol';

/** A message of a thread: the API's message, plus what the inbox tracks locally. */
export interface Message extends MessagePayload {
  /** Set on the optimistic row of a reply that the server has not answered yet. */
  local?: 'sending' | 'unsent';
}

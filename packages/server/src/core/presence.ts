/**
 * Presence and typing (#15): what the webhook adapters and the gateway need
 * to say who is typing where. Ephemeral: nothing here is stored or logged as
 * a tenant event.
 */

/** What a customer is doing in a chat, from the provider's presence report. */
export type CustomerTypingState = 'typing' | 'recording' | 'stopped';

/** A customer's chat presence, routed to a tenant and instance, not yet to a conversation. */
export interface CustomerPresenceUpdate {
  tenantId: string;
  instanceId: string;
  /** E.164 with `+`, when the chat is addressed by phone. */
  phone: string | null;
  /** WhatsApp LID digits, when the chat is addressed by LID. */
  lid: string | null;
  state: CustomerTypingState;
}

/** Hands a customer's typing to every agent socket of the tenant (webhook adapters call it). */
export interface CustomerPresenceSink {
  /** Resolves with the number of conversations the frame was published for (0: no such lead). */
  customerPresence(update: CustomerPresenceUpdate, traceId: string): Promise<number>;
}

/** The conversations presence and typing are about, read from the store. */
export interface ConversationLookup {
  /** The conversation's lead, when `conversationId` is a conversation of `tenantId`. */
  conversationOf(tenantId: string, conversationId: string): Promise<{ leadId: string } | undefined>;
  /** The conversations on `instanceId` of the tenant's lead with this phone (or else LID). */
  conversationsOfParty(
    tenantId: string,
    instanceId: string,
    phone: string | null,
    lid: string | null,
  ): Promise<{ conversationId: string; leadId: string }[]>;
}

/**
 * The agents of a tenant online now on any node (the gateway's presence
 * tracker); the round-robin's candidates. `away` agents are not online.
 */
export interface OnlineUsers {
  /** User ids of the tenant whose presence is `online`, on any node. */
  online(tenantId: string): string[];
}

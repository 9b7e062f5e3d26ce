import type { MessageStatus } from '@newton/protocol';
import type { InboundMessage } from '../../core/index.js';
import type { CloudReaction } from './message-acts.js';

/** Graph API base used when an instance was added without `--graph-url`. */
export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com/v21.0';

/**
 * One `entry[].changes[]` item of a Cloud API webhook (docs/api.md §1.8),
 * reduced to what routing needs; `value` stays unparsed until the change is
 * routed and authenticated.
 */
export interface CloudChange {
  /** Position in the body, for receipts and answers: `entry[i].changes[j]`. */
  at: string;
  /** `changes[].field`, e.g. `messages`. */
  field: string | null;
  /** `value.metadata.phone_number_id`: which instance the change is for. */
  phoneNumberId: string | null;
  /** `value.metadata.display_phone_number`, digits as Meta shows them. */
  displayPhoneNumber: string | null;
  /** `entry[].id`: the WhatsApp Business Account (WABA) id. */
  entryId: string | null;
  /** `entry[].time` (unix seconds) as epoch ms, when present: account webhooks carry it. */
  entryTime: number | null;
  value: Record<string, unknown>;
}

/** The body of a Cloud API webhook, split into its changes. */
export interface CloudEnvelope {
  /** `object`, `whatsapp_business_account` for WhatsApp. */
  object: string | null;
  changes: CloudChange[];
}

/** The customer side of an inbound message: who wrote it. */
export interface CloudParty {
  /** E.164 with `+`, or null (usernames: Meta may send `wa_id: ""`). */
  phone: string | null;
  /** A second identity when there is no phone (the business-scoped user id, BSUID). */
  userId: string | null;
  /** Where a reply goes: the `wa_id` digits, else the BSUID. */
  replyTo: string;
  /** `contacts[].profile.name`. */
  name: string | null;
}

/** One `messages[]` item, normalised but not yet routed to a tenant. */
export interface ParsedCloudMessage
  extends Pick<InboundMessage, 'providerMessageId' | 'type' | 'content' | 'timestamp' | 'extra'> {
  party: CloudParty;
}

export type CloudMessageItem =
  | { kind: 'message'; message: ParsedCloudMessage }
  /** A reaction on another message (never a message of its own). */
  | CloudReaction
  | { kind: 'ignored'; reason: string; providerMessageId: string | null }
  | { kind: 'invalid'; reason: string; providerMessageId: string | null };

/** One `statuses[]` item (docs/api.md §1.8). */
export interface ParsedCloudStatus {
  /** `id`: the wamid of the message we sent. */
  providerMessageId: string;
  status: Extract<MessageStatus, 'sent' | 'delivered' | 'read' | 'failed'>;
  /** Epoch ms. */
  timestamp: number;
  /** `recipient_id`: the customer's wa_id. */
  recipientId: string | null;
  /** From `errors[0]` of a failed status. */
  error: { code: string; message: string } | null;
}

export type CloudStatusItem =
  | { kind: 'status'; status: ParsedCloudStatus }
  | { kind: 'ignored'; reason: string; providerMessageId: string | null }
  | { kind: 'invalid'; reason: string; providerMessageId: string | null };

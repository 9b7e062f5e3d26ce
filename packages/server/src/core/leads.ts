/**
 * What providers report about a lead itself rather than a message (#13):
 * a contact's new name or picture (Evolution `contacts.update`/`upsert`) and
 * a customer's new number (Cloud `system` `user_changed_number`). Adapters
 * hand these over already routed; the pipeline stores them with their
 * `lead_updated` event and publishes.
 */
import type { InboundMessage, WebhookReceipt } from './messages.js';

/** A contact's profile as the provider's contact sync tells it (never creates a lead). */
export interface LeadProfileUpdate {
  tenantId: string;
  instanceId: string;
  /** E.164 with `+`, when the contact is addressed by phone. */
  phone: string | null;
  /** WhatsApp LID digits, when the contact is addressed by LID. */
  lid: string | null;
  /** The contact's own name; null or empty never overwrites a known one. */
  name: string | null;
  /** The profile picture URL; null or empty never overwrites a known one. */
  pictureUrl: string | null;
}

export type LeadProfileOutcome =
  | { outcome: 'applied'; leadId: string; seq: number[] }
  | { outcome: 'unchanged'; leadId: string }
  /** No lead has this phone or LID: contact sync never creates one. */
  | { outcome: 'unknown' };

/**
 * A customer moved to a new number (Cloud `user_changed_number`): the lead
 * of `oldPhone` takes `newPhone`, and `notice` (a `system` message, phone
 * already the new one) is stored in its conversation.
 */
export interface NumberChange {
  oldPhone: string;
  newPhone: string;
  notice: InboundMessage;
}

export type NumberChangeOutcome =
  | { outcome: 'moved'; leadId: string; messageId: string; conversationId: string; seq: number[] }
  /** The same notice again (same provider message id): nothing changes. */
  | { outcome: 'duplicate'; messageId: string; conversationId: string }
  /** Not applied, with why (no lead has the old number…). */
  | { outcome: 'ignored'; reason: string };

/** Applies lead changes reported by providers and publishes their events. */
export interface LeadSink {
  profile(update: LeadProfileUpdate, traceId: string): Promise<LeadProfileOutcome>;
  changeNumber(change: NumberChange, traceId: string, receipt?: WebhookReceipt): Promise<NumberChangeOutcome>;
}

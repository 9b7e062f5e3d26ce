import type { Channel, EventType } from './channels.js';
import type {
  ConversationState,
  ConversationSummary,
  LabelPayload,
  LeadPayload,
  MessageError,
  MessagePayload,
  MessageReaction,
  MessageSender,
  MessageStatus,
  NotePayload,
  ProviderName,
  User,
} from './payloads.js';

export type * from './payloads.js';

/** Fields every tenant event carries (docs/protocol.md §8.1). */
export interface EventEnvelope<T extends EventType = EventType> {
  type: T;
  tenant_id: string;
  /** Per tenant, strictly increasing, no gaps. */
  seq: number;
  /** Unique; use it to de-duplicate. */
  event_id: string;
  occurred_at: string;
}

export interface NewMessageEvent extends EventEnvelope<'new_message'> {
  lead_id: string;
  conversation_id: string;
  lead: LeadPayload;
  message: MessagePayload;
  conversation: ConversationSummary;
  /**
   * Present (true) when Newton recovered the message from the provider's own
   * store (backfill) because the provider never posted its webhook. Delivered
   * once, like any other `new_message`.
   */
  recovered?: true;
}

export interface MessageStatusEvent extends EventEnvelope<'message_status'> {
  message_id: string;
  conversation_id: string;
  status: MessageStatus;
  error?: MessageError | null;
  /** The provider's id of the message (known once it was sent). */
  provider_message_id?: string;
}

/**
 * A stored message changed after it was first delivered: today, an edit made
 * on WhatsApp (Evolution `messages.edited`). Carries the message as it is now;
 * replace the one with the same `id`.
 */
export interface MessageUpdatedEvent extends EventEnvelope<'message_updated'> {
  message_id: string;
  conversation_id: string;
  message: MessagePayload;
  /** What changed: `edited` (new text). */
  change: 'edited';
  /** ISO-8601 time of the edit. */
  edited_at: string;
}

/**
 * Someone reacted to a stored message, changed their reaction or removed it
 * (`emoji` null). Never a message of its own: unread counts and the
 * conversation's last message stay as they were. `reactions` is the message's
 * full set after the change: replace the message's `reactions` with it.
 */
export interface MessageReactionEvent extends EventEnvelope<'message_reaction'> {
  message_id: string;
  conversation_id: string;
  by: MessageSender;
  /** The new emoji, or null when the reaction was removed. */
  emoji: string | null;
  /** The emoji it replaced, or null when there was none. */
  previous: string | null;
  /** ISO-8601 time of the reaction. */
  at: string;
  reactions: MessageReaction[];
}

/**
 * The author deleted a stored message for everyone on WhatsApp. Carries the
 * message as it is now (`deleted_at` set; `content` kept for the record):
 * replace the one with the same `id` and show it as deleted.
 */
export interface MessageDeletedEvent extends EventEnvelope<'message_deleted'> {
  message_id: string;
  conversation_id: string;
  /** Who deleted it (always its author on WhatsApp). */
  by: MessageSender;
  /** ISO-8601 time of the deletion. */
  deleted_at: string;
  message: MessagePayload;
}

export interface LeadCreatedEvent extends EventEnvelope<'lead_created'> {
  lead: LeadPayload;
  /** Present (true) only for the lead of a diagnostics probe (`newton doctor`): lead lists should not show it. */
  probe?: true;
}

export interface LeadUpdatedEvent extends EventEnvelope<'lead_updated'> {
  lead: LeadPayload;
  /** As on `lead_created`. */
  probe?: true;
  /**
   * Present when this lead absorbed another one (a customer's new number that
   * had written before WhatsApp's notice of the change): the id of the lead
   * that no longer exists. Drop it from lead lists (docs/protocol.md §8.12).
   */
  merged_lead_id?: string;
}

export interface ConversationUpdatedEvent extends EventEnvelope<'conversation_updated'> {
  conversation: ConversationState;
}

/**
 * Two conversations of one customer became one (#13: the customer changed
 * number and had already written from the new one). The conversation
 * `conversation_id` no longer exists: its messages are now in `into` (same
 * message ids), which carries the surviving conversation as it is now.
 * Remove the merged one from lists, replace `into`, and re-read the
 * survivor's messages when it is open.
 */
export interface ConversationMergedEvent extends EventEnvelope<'conversation_merged'> {
  /** The conversation that was merged away (gone from now on). */
  conversation_id: string;
  /** The conversation that holds its messages now. */
  into: ConversationState;
}

/**
 * The connection state of a tenant's WhatsApp number at its provider, in
 * Evolution's words: `open` (connected), `connecting`, `close` (logged out,
 * replaced, waiting for a QR scan…), or `unknown` when Newton could not ask
 * the provider (down, slow, refused its key).
 */
export type InstanceState = 'open' | 'connecting' | 'close' | 'unknown';

/** A tenant's WhatsApp number as its provider last reported it (`GET /api/instances`, `instance_status`). */
export interface InstanceStatusPayload {
  /** Newton's id of the instance. */
  id: string;
  provider: ProviderName;
  /** Evolution: the instance name; Cloud API: the phone_number_id. */
  name: string;
  /** The number's E.164 with `+`, when configured. */
  number: string | null;
  state: InstanceState;
  /**
   * Stable code of why the number is in this state, or null when `open`:
   * e.g. `logged_out`, `qr_required`, `replaced`, `restart_required`,
   * `token_invalid`, `account_restricted`, `provider_unreachable`,
   * `provider_timeout`, `provider_unauthorized`, `not_checked`.
   */
  reason: string | null;
  /** A sentence for a person: what happened and what to do. */
  detail: string | null;
  /** ISO-8601 time the number entered this state. */
  since: string;
  /** ISO-8601 time of the last webhook the provider posted for this number, or null. */
  last_webhook_at: string | null;
}

/**
 * A tenant's WhatsApp number changed state at its provider (Evolution
 * `connection.update`, `qrcode.updated`, `logout.instance`; Cloud API account
 * webhooks; Newton's own checks). Replace the instance with the same `id`.
 */
export interface InstanceStatusEvent extends EventEnvelope<'instance_status'> {
  instance: InstanceStatusPayload;
  /** The state before this change (null when first known). */
  previous_state: InstanceState | null;
}

/**
 * Newton now keeps a message's media itself (#13): `GET /api/messages/{id}/media`
 * serves these bytes from the media store, whatever the provider still has.
 * Sent once per message; reload or re-render the bubble's media.
 */
export interface MediaReadyEvent extends EventEnvelope<'media_ready'> {
  message_id: string;
  conversation_id: string;
  media: {
    /** The content type the bytes are served with. */
    mime_type: string;
    /** Bytes stored. */
    size: number;
    /** Hex SHA-256 of the bytes (also the answer's ETag). */
    sha256: string;
    file_name: string | null;
  };
}

/**
 * Newton could not fetch or store a message's media (#13). The message itself
 * is stored and delivered; the media is retried at `retry_at` (null: never
 * again, e.g. `too_large`). Sent when the media first fails and when Newton
 * gives up; a later success sends `media_ready`.
 */
export interface MediaFailedEvent extends EventEnvelope<'media_failed'> {
  message_id: string;
  conversation_id: string;
  /**
   * Stable code: `provider_unavailable` (the provider refused or failed),
   * `timeout` (no answer within MEDIA_FETCH_TIMEOUT_MS), `too_large` (over
   * MEDIA_MAX_BYTES), `store_unavailable` (the media store could not write),
   * `not_fetchable` (no way to fetch this provider's media).
   */
  reason: string;
  /** A sentence for a person (never a credential). */
  detail: string;
  /** Attempts made so far. */
  attempts: number;
  /** ISO-8601 time of the next attempt, or null when Newton gives up. */
  retry_at: string | null;
}

/**
 * An agent wrote an internal note on a conversation (never sent to the
 * customer). `conversation` is the conversation as it is now (`notes_count`
 * grew): replace it in lists like a `conversation_updated`.
 */
export interface NoteAddedEvent extends EventEnvelope<'note_added'> {
  conversation_id: string;
  note: NotePayload;
  conversation: ConversationState;
}

/**
 * The tenant's label catalogue changed (an admin created, renamed, recoloured
 * or deleted a label): `labels` is the whole catalogue now. Conversations that
 * carry a changed or deleted label get a `conversation_updated` each as well.
 */
export interface LabelsUpdatedEvent extends EventEnvelope<'labels_updated'> {
  labels: LabelPayload[];
}

/**
 * A user of the tenant was created, changed (name, role, colour) or disabled
 * or enabled again (#15): `user` is its public view, as `GET /api/users`
 * shows it to every agent (never the email). Replace the user by id in any
 * list of users; names on bubbles, the assignee and filters follow.
 */
export interface UserUpdatedEvent extends EventEnvelope<'user_updated'> {
  user: User;
}

export type TenantEvent =
  | InstanceStatusEvent
  | NewMessageEvent
  | MessageStatusEvent
  | MessageUpdatedEvent
  | MediaReadyEvent
  | MediaFailedEvent
  | MessageReactionEvent
  | MessageDeletedEvent
  | LeadCreatedEvent
  | LeadUpdatedEvent
  | ConversationUpdatedEvent
  | ConversationMergedEvent
  | NoteAddedEvent
  | LabelsUpdatedEvent
  | UserUpdatedEvent;

/** An event before the event log gives it tenant, seq, event_id and time. */
export type EventBody<E extends TenantEvent = TenantEvent> = E extends TenantEvent
  ? Omit<E, 'tenant_id' | 'seq' | 'event_id' | 'occurred_at'>
  : never;

export type EventOfType<T extends EventType> = Extract<TenantEvent, { type: T }>;

export type { Channel };

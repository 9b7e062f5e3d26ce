import type { Channel, EventType } from './channels.js';

/** Who wrote a message: the customer (`lead`) or the business side (`agent`). */
export type MessageSender = 'lead' | 'agent';
export type MessageDirection = 'inbound' | 'outbound';
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
export type MessageType =
  | 'text'
  | 'image'
  | 'video'
  | 'document'
  | 'audio'
  | 'voice'
  | 'sticker'
  | 'location'
  | 'contact'
  | 'reaction'
  /** The customer's answer to buttons, a list, a template quick reply or a Flow (`interactive`). */
  | 'interactive_reply'
  /** A poll the chat's author created (`poll`: question and options). */
  | 'poll'
  /** A cart sent from the business's catalog (`order`). */
  | 'order'
  /** A WhatsApp call from the customer (see `call`): missed, answered or rejected. */
  | 'call'
  /** A notice WhatsApp itself put in the chat (see `system`), e.g. the customer's new number. */
  | 'system'
  | 'unsupported';
export type ProviderName = 'evolution' | 'cloud';

export interface MediaInfo {
  mime_type: string | null;
  size: number | null;
  file_name: string | null;
  seconds: number | null;
  /** Provider's URL or media id; fetched on demand, never inlined. */
  provider_ref: string | null;
}

export interface LocationInfo {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
  /** A web page the sender attached to the place, when any. */
  url?: string | null;
}

export interface ContactCard {
  name: string | null;
  vcard: string | null;
}

export interface ReactionInfo {
  emoji: string;
  /** provider_message_id of the message reacted to. */
  target_provider_message_id: string | null;
}

/**
 * What the customer chose on an interactive message. `kind`: `button`
 * (reply button), `list` (list row), `template_button` (template quick
 * reply), `flow` (a WhatsApp Flow's answer) or `native_flow` (another
 * native-flow button). `id` is the id the business gave the button/row
 * (template: its payload), `title` the text the customer saw.
 */
export interface InteractiveReplyInfo {
  kind: 'button' | 'list' | 'template_button' | 'flow' | 'native_flow';
  id: string | null;
  title: string | null;
  description?: string | null;
  /** Flow (and other native-flow) answers: the JSON the form returned, parsed; null when unreadable. */
  response_json?: unknown;
  /** Flow name (Cloud `nfm_reply.name`, Evolution `nativeFlowResponseMessage.name`). */
  name?: string | null;
}

/** A poll: its question is the message `content`. */
export interface PollInfo {
  question: string | null;
  options: string[];
  /** How many options a voter may pick (0 or absent: any number). */
  selectable_count: number | null;
}

/** One line of an order (Cloud `order.product_items[]`). */
export interface OrderItem {
  product_retailer_id: string | null;
  quantity: number | null;
  item_price: number | null;
  currency: string | null;
}

/** A cart the customer sent from the business's catalog. */
export interface OrderInfo {
  catalog_id: string | null;
  items: OrderItem[];
  /** The customer's note with the order. */
  text: string | null;
}

/** A WhatsApp call (`type: "call"`): how it ended, as the provider reported it. */
export interface CallInfo {
  /** `missed` (nobody answered, or the caller hung up first), `answered`, `rejected` (declined). */
  status: 'missed' | 'answered' | 'rejected';
  /** A video call. */
  video: boolean;
  /** Seconds the call lasted, when the provider tells it. */
  duration?: number | null;
}

/** A notice WhatsApp put in the chat (`type: "system"`). */
export interface SystemInfo {
  /** What happened: `user_changed_number` (the customer moved to `new_phone`). */
  kind: 'user_changed_number';
  /** E.164 with `+`: the number the customer left. */
  old_phone: string | null;
  /** E.164 with `+`: the customer's new number (the lead's number from now on). */
  new_phone: string | null;
}

/**
 * The click-to-WhatsApp ad (or post) a message came from (Cloud API
 * `messages[].referral`). Every field as Meta sends it, null when absent.
 */
export interface ReferralInfo {
  source_url: string | null;
  source_id: string | null;
  /** `ad` or `post`. */
  source_type: string | null;
  headline: string | null;
  body: string | null;
  /** `image` or `video`. */
  media_type: string | null;
  image_url: string | null;
  video_url: string | null;
  thumbnail_url: string | null;
  /** Click-to-WhatsApp click id (for the Conversions API). */
  ctwa_clid: string | null;
}

/** A lead's first touch: the ad of the first message that carried one (never replaced). */
export interface LeadAttribution extends ReferralInfo {
  /** Newton's id of the message that carried it. */
  message_id: string;
  /** ISO-8601 time of that message. */
  at: string;
}

/** One person's reaction on a message (WhatsApp allows one per person; a change replaces it). */
export interface MessageReaction {
  /** Who reacted: the customer (`lead`) or the business's own number (`agent`). */
  by: MessageSender;
  emoji: string;
  /** ISO-8601 time of the reaction (the provider's). */
  at: string;
}

/**
 * The message a message replies to (WhatsApp's quote). `message_id` is
 * Newton's id of the quoted message when Newton has it (jump to it), else
 * null; the provider's id and the quoted snippet are always kept.
 */
export interface ReplyToInfo {
  message_id: string | null;
  provider_message_id: string;
  /** The quoted text (or caption) as the provider sent it, or the stored message's content. */
  content: string | null;
  /** Who wrote the quoted message, when known. */
  sender: MessageSender | null;
}

/** Why a message failed, as the provider put it. */
export interface MessageError {
  /** Stable code, e.g. `provider_rejected`, `provider_unavailable`, `timeout`. */
  code: string;
  /** The provider's reason, readable by an agent. */
  message: string;
}

export interface MessagePayload {
  id: string;
  conversation_id: string;
  content: string | null;
  sender: MessageSender;
  /** E.164 with `+` of the lead, or null when the provider hid it (`@lid`). */
  phone: string | null;
  type: MessageType;
  direction: MessageDirection;
  status: MessageStatus;
  /** ISO-8601 time the provider says the message was sent. */
  timestamp: string;
  provider: ProviderName;
  provider_message_id: string;
  media?: MediaInfo;
  location?: LocationInfo;
  contacts?: ContactCard[];
  reaction?: ReactionInfo;
  /** Type `interactive_reply`: what was chosen. */
  interactive?: InteractiveReplyInfo;
  /** Type `poll`: the options (the question is `content`). */
  poll?: PollInfo;
  /** Type `order`: the items. */
  order?: OrderInfo;
  /** `type: "call"`: how the call ended. */
  call?: CallInfo;
  /** `type: "system"`: what WhatsApp noted. */
  system?: SystemInfo;
  /** The ad the customer clicked to send this message, when it came from one. */
  referral?: ReferralInfo;
  /** ISO-8601 time of the last edit made on WhatsApp; absent when never edited (see `message_updated`). */
  edited_at?: string;
  /** The message this one replies to (quotes); absent when none. */
  reply_to?: ReplyToInfo;
  /** Current reactions, one per person; absent when none (see `message_reaction`). */
  reactions?: MessageReaction[];
  /**
   * ISO-8601 time the author deleted it for everyone on WhatsApp; absent when
   * not deleted. `content` is kept for the tenant's record: inboxes show
   * "message deleted" instead of it (see `message_deleted`).
   */
  deleted_at?: string;
  /** Outbound only: the idempotency key the CRM sent the reply with, if any. */
  client_id?: string | null;
  /** Outbound only: the agent (token `sub`) who sent it from the CRM; null when typed on the phone. */
  sender_user_id?: string | null;
  /** Outbound only: why it failed (status `failed`), else null. */
  error?: MessageError | null;
  /** Present (true) only on a diagnostics probe (`newton doctor`): inboxes should not show it. */
  probe?: true;
}

export interface LeadPayload {
  id: string;
  name: string | null;
  phone: string | null;
  /** The customer's WhatsApp profile picture URL, once a provider told it (absent until then). */
  picture_url?: string;
  /** The lead's first-touch ad (absent when it never came from one). */
  attribution?: LeadAttribution;
}

export interface ConversationSummary {
  id: string;
  lead_id: string;
  instance_id: string;
  status: 'open' | 'closed';
  unread_count: number;
  last_message_at: string | null;
}

/**
 * A conversation as `GET /api/conversations` lists it, `GET /api/conversations/{id}`
 * returns it and `conversation_updated` carries it.
 */
export interface ConversationState extends ConversationSummary {
  lead: LeadPayload;
  last_message_preview: string | null;
  last_message_id: string | null;
  created_at: string;
  /** When an agent last marked it read, or null. */
  last_read_at: string | null;
}

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
  | ConversationMergedEvent;

/** An event before the event log gives it tenant, seq, event_id and time. */
export type EventBody<E extends TenantEvent = TenantEvent> = E extends TenantEvent
  ? Omit<E, 'tenant_id' | 'seq' | 'event_id' | 'occurred_at'>
  : never;

export type EventOfType<T extends EventType> = Extract<TenantEvent, { type: T }>;

export type { Channel };

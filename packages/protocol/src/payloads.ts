/**
 * What events and REST answers carry: messages and their parts, leads,
 * conversations (docs/protocol.md §8). Types only.
 */

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

/**
 * **[addition]** A WhatsApp Cloud API message template sent from the CRM
 * (`content` is its body with the variables filled in).
 */
export interface TemplateInfo {
  name: string;
  /** The template's language code, e.g. `es`, `en_US`. */
  language: string;
  /** The values of the body's placeholders, in order. */
  variables: string[];
  /** The body's placeholders in order (`1`, `2`… or names). */
  placeholders: string[];
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
  /** **[addition]** Outbound template messages (Cloud API): the template and its values. */
  template?: TemplateInfo;
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
  /**
   * The tenant's own key/value strings about the lead, edited by agents
   * (`PATCH /api/leads/{id}`); `{}` when none.
   */
  attributes: Record<string, string>;
  /**
   * Present only when an agent named the lead: then `name` is the agent's
   * name (it wins) and this is the name the customer's WhatsApp profile gives
   * (null when no provider told one). Absent: `name` is the profile name.
   */
  profile_name?: string | null;
}

export interface ConversationSummary {
  id: string;
  lead_id: string;
  instance_id: string;
  /**
   * `open`, `pending` (waiting on the team or a third party), `resolved` or
   * `snoozed` (until `snoozed_until`). `closed`, which earlier versions sent,
   * is now `resolved`; requests still accept `closed` as its alias.
   */
  status: ConversationStatus;
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
  /** ISO-8601 time a `snoozed` conversation reopens by itself; null unless snoozed. */
  snoozed_until: string | null;
  /** The tenant's labels on this conversation, in the order they were added. */
  labels: LabelPayload[];
  /** Internal notes written on it (`note_added`). */
  notes_count: number;
  /**
   * The user (`users.id`, a token's `sub`) who owns the conversation, or null
   * when unassigned. Servers before #15 leave it out: read a missing one as null.
   */
  assignee_id?: string | null;
}

/** A conversation's triage status (docs/protocol.md §8.13). */
export type ConversationStatus = 'open' | 'pending' | 'resolved' | 'snoozed';

/** A label of the tenant (`GET /api/labels`), as conversations carry it. */
export interface LabelPayload {
  id: string;
  name: string;
  /** `#rrggbb`. */
  color: string;
}

/**
 * An internal note on a conversation: written by an agent for the team, shown
 * in the thread, never sent to the customer or to any provider.
 */
export interface NotePayload {
  id: string;
  conversation_id: string;
  text: string;
  /** The agent who wrote it (token `sub`). */
  author_id: string;
  created_at: string;
}

/** A user's role: `admin` manages users and assigns anyone; `agent` assigns only themself. */
export type UserRole = 'agent' | 'admin';

/**
 * A person of the tenant (`GET /api/users`, `/api/admin/users`): what tokens
 * name as `sub`. `color` is the avatar colour (`#rrggbb`).
 */
export interface User {
  id: string;
  name: string;
  role: UserRole;
  color: string;
  /** True while disabled: every token naming the user is refused. */
  disabled: boolean;
}

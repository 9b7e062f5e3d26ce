/**
 * What every layer says about tenants, instances and messages: the shapes a
 * provider adapter hands over (already routed and normalised) and the store
 * keeps. Nothing here knows of SQL, HTTP or sockets.
 */
import type {
  CallInfo,
  ContactCard,
  InstanceState,
  InteractiveReplyInfo,
  LocationInfo,
  MediaInfo,
  MessageDirection,
  MessageError,
  MessageReaction,
  MessageSender,
  MessageStatus,
  MessageType,
  OrderInfo,
  PollInfo,
  ProviderName,
  ReactionInfo,
  ReferralInfo,
  ReplyToInfo,
  SystemInfo,
  TemplateInfo,
} from '@newton/protocol';

export interface Tenant {
  id: string;
  name: string | null;
  lastSeq: number;
  createdAt: number;
}

export interface Instance {
  id: string;
  tenantId: string;
  provider: ProviderName;
  /** Evolution: the instance name; Cloud API: the phone_number_id. */
  name: string;
  /** Own number, digits only. */
  number: string | null;
  apikey: string | null;
  webhookSecret: string | null;
  baseUrl: string | null;
  /** Cloud API: Meta app secret (webhook signatures). Never returned or logged. */
  appSecret: string | null;
  /** Cloud API: token of the `hub.verify_token` handshake. Never returned or logged. */
  verifyToken: string | null;
  /**
   * Cloud API: the WhatsApp Business Account the number belongs to, learned
   * from its webhooks (`entry[].id`); routes account webhooks that name no number.
   */
  wabaId?: string | null;
  createdAt: number;
}

export interface NewInstance {
  tenantId: string;
  provider: ProviderName;
  name: string;
  number?: string | null;
  apikey?: string | null;
  webhookSecret?: string | null;
  baseUrl?: string | null;
  appSecret?: string | null;
  verifyToken?: string | null;
}

/** The parts of a message that depend on its type. */
export interface MessageExtra {
  media?: MediaInfo;
  location?: LocationInfo;
  contacts?: ContactCard[];
  reaction?: ReactionInfo;
  interactive?: InteractiveReplyInfo;
  poll?: PollInfo;
  order?: OrderInfo;
  call?: CallInfo;
  system?: SystemInfo;
  /** The click-to-WhatsApp ad the message came from; also the lead's first touch (store/ingest-plan.ts). */
  referral?: ReferralInfo;
  /** ISO-8601 time of the last edit made on WhatsApp (store/edits.ts). */
  edited_at?: string;
  /** The quoted message; `message_id` is filled in by the store when it has that message. */
  reply_to?: ReplyToInfo;
  /**
   * One per person (store/reactions.ts). A removed one stays with emoji `''`
   * (its time keeps an older redelivery from bringing it back); payloads leave it out.
   */
  reactions?: MessageReaction[];
  /** ISO-8601 time the author deleted the message for everyone (store/deletions.ts). */
  deleted_at?: string;
  /** A Cloud API template sent from the CRM (issue #15 §8): which one, with what values. */
  template?: TemplateInfo;
}

/** A message as a provider adapter hands it over: already routed and normalised. */
export interface InboundMessage {
  tenantId: string;
  instanceId: string;
  provider: ProviderName;
  providerMessageId: string;
  lead: {
    /** E.164 with `+`, or null when the provider hid the number. */
    phone: string | null;
    /** WhatsApp LID digits, when the provider addressed the chat by LID. */
    lid: string | null;
    /** Display name the customer chose; only taken from the customer's own messages. */
    name: string | null;
  };
  /** Address to reply to (a JID). */
  replyTo: string;
  direction: MessageDirection;
  sender: MessageSender;
  type: MessageType;
  content: string | null;
  status: MessageStatus;
  /** Epoch ms the provider says the message was sent. */
  timestamp: number;
  extra: MessageExtra;
  isProbe?: boolean;
  /** Recovered by backfill from the provider's store (its webhook never came): `new_message` says `recovered: true`. */
  recovered?: boolean;
  /**
   * Media bytes the provider embedded in the webhook itself (Evolution's
   * "webhook base64" option, issue #13). Handed to the media keeper, which
   * stores them instead of fetching; never kept in message rows or events.
   */
  inlineMedia?: Uint8Array;
  /** SHA-256 (hex) of `inlineMedia`, computed where it was decoded (off the event loop for big bodies). */
  inlineMediaSha256?: string;
  /**
   * Why media the provider embedded could not be used (e.g. truncated
   * base64): `inlineMedia` is then absent and the media keeper fetches it.
   */
  inlineMediaError?: string;
}

/**
 * What became of a webhook (or of one message recovered by backfill:
 * `backfilled`, with no webhook behind it). `account`: a webhook about the
 * provider account itself (Cloud `account_update`, template and quality
 * updates…), never a message: recorded, fed to the instance state where it
 * tells one, and never counted as unroutable.
 */
export type ReceiptOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'unroutable'
  | 'rejected'
  | 'backfilled'
  | 'account';

export interface WebhookReceipt {
  id: string;
  receivedAt: number;
  provider: ProviderName;
  event: string | null;
  instanceName: string | null;
  tenantId: string | null;
  instanceId: string | null;
  outcome: ReceiptOutcome;
  reason: string | null;
  providerMessageId: string | null;
  messageId: string | null;
  traceId: string;
  bodySize: number;
  bodyExcerpt: string | null;
  /**
   * The WhatsApp number the webhook came from (Evolution `sender`, Cloud
   * `display_phone_number`), E.164 digits without `+`; null when it names none.
   */
  senderNumber?: string | null;
}

/** A status a provider reports about a message it sent. */
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** A status report as any provider adapter hands it over (already routed). */
export interface StatusUpdate {
  tenantId: string;
  instanceId: string;
  providerMessageId: string;
  status: DeliveryStatus;
  error?: MessageError | null;
  /** Epoch ms (the provider's time when it gives one). */
  at: number;
}

/** An edit as a provider adapter hands it over (already routed). */
export interface MessageEdit {
  tenantId: string;
  instanceId: string;
  /** The provider's id of the message that was edited. */
  providerMessageId: string;
  text: string;
  /** Epoch ms of the edit (the provider's time when it gives one). */
  at: number;
}

/** A reaction added, changed or removed (`emoji` empty) on a stored message, already routed. */
export interface MessageReactionChange {
  tenantId: string;
  instanceId: string;
  /** The provider's id of the message reacted to. */
  targetProviderMessageId: string;
  /** The customer (`lead`) or the business's own number (`agent`). */
  by: MessageSender;
  /** The emoji; empty when the reaction was removed. */
  emoji: string;
  /** Epoch ms of the reaction (the provider's time when it gives one). */
  at: number;
}

/** A message deleted for everyone by its author, already routed. */
export interface MessageDeletion {
  tenantId: string;
  instanceId: string;
  /** The provider's id of the deleted message. */
  providerMessageId: string;
  /** Epoch ms of the deletion (receipt time: providers do not say). */
  at: number;
}

/**
 * What a provider (or Newton's own check of it) says about an instance's
 * WhatsApp session, already routed. `reason` is a stable code, `detail` a
 * sentence for a person; both are dropped when the state is `open`.
 */
export interface InstanceStateChange {
  tenantId: string;
  instanceId: string;
  state: InstanceState;
  reason?: string | null;
  detail?: string | null;
  /** Epoch ms the provider says it happened (receipt time otherwise). */
  at: number;
  /** Who said so: a webhook, an active check, or a send the provider refused. */
  source: 'webhook' | 'check' | 'send';
}

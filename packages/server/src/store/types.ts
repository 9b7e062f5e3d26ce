import type {
  ContactCard,
  EventType,
  LocationInfo,
  MediaInfo,
  MessageDirection,
  MessageSender,
  MessageStatus,
  MessageType,
  ProviderName,
  ReactionInfo,
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
  /** ISO-8601 time of the last edit made on WhatsApp (store/edits.ts). */
  edited_at?: string;
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
}

/** An event as appended to the log: `frame` is the exact JSON sockets receive. */
export interface AppendedEvent {
  tenantId: string;
  seq: number;
  type: EventType;
  frame: string;
  /** Trace of the webhook or request that caused it; travels with the event, not stored. */
  traceId?: string;
  /** Epoch ms the bus publish began (set by the publisher, carried by the bus, not stored). */
  publishedAt?: number;
}

export type IngestResult =
  | { outcome: 'stored'; messageId: string; conversationId: string; events: AppendedEvent[] }
  | { outcome: 'duplicate'; messageId: string; conversationId: string; events: [] }
  /** The echo of a reply sent from the CRM, matched to the stored reply (its status events, if any). */
  | { outcome: 'echo'; messageId: string; conversationId: string; events: AppendedEvent[] };

export type ReceiptOutcome = 'accepted' | 'duplicate' | 'ignored' | 'unroutable' | 'rejected';

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

export interface TenantLogState {
  lastSeq: number;
  prunedThrough: number;
}

/** An event read back from the log. */
export interface StoredEvent {
  seq: number;
  type: EventType;
  frame: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

import type { Generated } from 'kysely';

/**
 * Table shapes shared by both dialects. Times are epoch milliseconds (bigint
 * in PostgreSQL, parsed back to number), JSON is kept as text and booleans as
 * 0/1 so that one set of queries serves SQLite and PostgreSQL alike.
 */
export interface TenantsTable {
  id: string;
  name: string | null;
  /** Highest seq handed out in this tenant's event log. */
  last_seq: Generated<number>;
  /** Events with seq <= this have been pruned; `since` below it needs a resync. */
  pruned_through: Generated<number>;
  created_at: number;
  /** 1: new conversations go round-robin to online agents (migration 013). */
  auto_assign?: Generated<number>;
  /** The user the round-robin gave the last conversation to (migration 013). */
  auto_assign_last?: string | null;
}

export interface InstancesTable {
  id: string;
  tenant_id: string;
  provider: string;
  /** Evolution: the instance name; Cloud API: the phone_number_id. */
  name: string;
  /** The connected account's own number, digits only (E.164 without `+`). */
  number: string | null;
  /** Evolution instance API key (checked on webhooks, sent when replying). */
  apikey: string | null;
  /** Secret for `?token=` or `Authorization: Bearer` on webhooks. */
  webhook_secret: string | null;
  base_url: string | null;
  /** Cloud API: the Meta app secret that signs webhooks (`X-Hub-Signature-256`). */
  app_secret: string | null;
  /** Cloud API: the token Meta echoes in the `hub.verify_token` handshake. */
  verify_token: string | null;
  created_at: number;
  /** Cloud API: the WhatsApp Business Account, learned from the first message webhook (migration 008). */
  waba_id?: string | null;
  /** open | connecting | close | unknown (migration 007). */
  state: Generated<string>;
  /** Stable code of why (`logged_out`, `qr_required`, `provider_unreachable`…). */
  state_reason: string | null;
  /** A sentence for a person: what happened, what to do. */
  state_detail: string | null;
  /** When the instance entered its state (epoch ms). */
  state_since: number | null;
  /** When the provider last posted a webhook for the instance (epoch ms). */
  last_webhook_at: number | null;
}

/** A cluster-wide job's lease: one node at a time (migration 007). */
export interface LeasesTable {
  name: string;
  holder: string;
  until: number;
}

export interface LeadsTable {
  id: string;
  tenant_id: string;
  phone: string | null;
  /** WhatsApp LID (`…@lid` without the domain), a second identity of the lead. */
  wa_lid: string | null;
  name: string | null;
  /** WhatsApp profile picture URL from the provider's contact sync (migration 012). */
  picture_url: string | null;
  /** JSON LeadAttribution: the first-touch ad, set once (migration 012). */
  attribution: string | null;
  /** The name an agent gave the lead, or null (migration 017); it wins over `name`. */
  display_name: string | null;
  /** JSON object of the tenant's key/value strings, or null for none (migration 017). */
  attributes: string | null;
  created_at: number;
  updated_at: number;
}

export interface ConversationsTable {
  id: string;
  tenant_id: string;
  lead_id: string;
  instance_id: string;
  /** open | pending | resolved | snoozed (migration 014; `closed` became `resolved`). */
  status: string;
  unread_count: number;
  last_message_at: number | null;
  last_message_id: string | null;
  last_message_preview: string | null;
  /** JID to reply to (a `…@lid` when no phone is known). */
  reply_to: string | null;
  /** When an agent last marked the conversation read (epoch ms). */
  last_read_at: number | null;
  created_at: number;
  updated_at: number;
  /** When a snoozed conversation reopens (epoch ms), else null (migration 014). */
  snoozed_until: number | null;
  /** Notes written on it (migration 014). */
  notes_count: number;
  /** JSON `[{id,name,color}]` of its labels, kept with conversation_labels (migration 014). */
  labels: string;
  /** The user (users.id) who owns the conversation, or null (migration 013). */
  assignee_id?: string | null;
}

export interface MessagesTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  lead_id: string;
  instance_id: string;
  provider: string;
  provider_message_id: string;
  direction: string;
  sender: string;
  type: string;
  content: string | null;
  status: string;
  timestamp: number;
  /** JSON of the type-specific parts (media, location, contacts, reaction). */
  extra: string | null;
  is_probe: number;
  /** Seq of the message's `new_message` event: the order of arrival. */
  arrival_seq: number | null;
  created_at: number;
  /** Outbound replies: the caller's idempotency key (unique per tenant). */
  client_id: string | null;
  /** Outbound replies: the agent (token `sub`) who sent it. */
  sender_user_id: string | null;
  /** JSON `{code, message}` of a failed status. */
  status_error: string | null;
  /** When the status last changed (epoch ms). */
  status_at: number | null;
  /** Outbound replies: send attempts made so far (0 for every other message). */
  send_attempts: number;
  /** Outbound replies: the node sending it holds it until then (epoch ms). */
  send_lease_until: number | null;
}

/** A status that arrived before its message (applied when the message appears). */
export interface PendingStatusesTable {
  tenant_id: string;
  instance_id: string;
  provider_message_id: string;
  status: string;
  /** JSON `{code, message}` for failed. */
  error: string | null;
  at: number;
  created_at: number;
}

export interface EventsTable {
  tenant_id: string;
  seq: number;
  event_id: string;
  type: string;
  /** The complete event frame as JSON, exactly as sockets receive it. */
  payload: string;
  created_at: number;
}

export interface WebhookReceiptsTable {
  id: string;
  received_at: number;
  provider: string;
  event: string | null;
  instance_name: string | null;
  tenant_id: string | null;
  instance_id: string | null;
  outcome: string;
  reason: string | null;
  provider_message_id: string | null;
  message_id: string | null;
  trace_id: string;
  body_size: number;
  /** First bytes of the body, kept only for webhooks that were not accepted. */
  body_excerpt: string | null;
  /** The WhatsApp number the webhook came from, E.164 digits without `+` (migration 005). */
  sender_number: string | null;
}

/** What became of a message's media bytes (migration 009, media/keeper.ts). */
export interface MessageMediaTable {
  message_id: string;
  tenant_id: string;
  /** pending | ready | failed */
  state: string;
  /** Where the bytes are in the media store (content-addressed: by sha256). */
  storage_key: string | null;
  sha256: string | null;
  size: number | null;
  mime_type: string | null;
  file_name: string | null;
  attempts: Generated<number>;
  /** Stable code of the last failure (`timeout`, `provider_unavailable`, `store_unavailable`…). */
  last_error: string | null;
  /** The last failure as a sentence (never a credential). */
  last_error_detail: string | null;
  /** When the next attempt is due (epoch ms); null: none (ready, or given up). */
  next_attempt_at: number | null;
  /** The node fetching it holds it until then (epoch ms). */
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

/** An internal note on a conversation (migration 014). */
export interface NotesTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  author_id: string;
  text: string;
  created_at: number;
}

/** A label of the tenant (migration 014). */
export interface LabelsTable {
  id: string;
  tenant_id: string;
  name: string;
  /** `name` lower-cased, unique per tenant. */
  name_key: string;
  color: string;
  created_at: number;
  updated_at: number;
}

/** A person of a tenant: what tokens name as `sub` (migration 013). */
export interface UsersTable {
  tenant_id: string;
  id: string;
  name: string;
  /** admin | agent */
  role: string;
  email: string | null;
  /** Avatar colour, `#rrggbb`. */
  color: string;
  /** Set (epoch ms) while disabled: tokens naming the user are refused. */
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A label on a conversation (migration 014). */
export interface ConversationLabelsTable {
  conversation_id: string;
  label_id: string;
  tenant_id: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  tenants: TenantsTable;
  instances: InstancesTable;
  leads: LeadsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  events: EventsTable;
  webhook_receipts: WebhookReceiptsTable;
  pending_statuses: PendingStatusesTable;
  leases: LeasesTable;
  message_media: MessageMediaTable;
  notes: NotesTable;
  labels: LabelsTable;
  conversation_labels: ConversationLabelsTable;
}

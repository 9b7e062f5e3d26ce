/**
 * What a provider adapter hands its routed webhooks to. Adapters call these
 * interfaces and never the pipeline or the store directly; the pipeline
 * implements them (store durably, then publish).
 */
import type { EventBody, InstanceStatusPayload, MessageStatus } from '@newton/protocol';
import type { TenantEvent } from './events.js';
import type {
  InboundMessage,
  Instance,
  InstanceStateChange,
  MessageDeletion,
  MessageEdit,
  MessageReactionChange,
  StatusUpdate,
  WebhookReceipt,
} from './messages.js';

export type IngestResult =
  | {
      outcome: 'stored';
      messageId: string;
      conversationId: string;
      events: TenantEvent[];
      /** True when this message opened its conversation (auto-assignment looks at no other). */
      newConversation?: boolean;
      /**
       * A diagnostics probe's events (`isProbe`), in place of `events`: never
       * appended to the tenant's log, so they take no seq; diagnostics hands
       * them to the sockets on the opt-in `diagnostics` channel.
       */
      probeEvents?: EventBody[];
    }
  | { outcome: 'duplicate'; messageId: string; conversationId: string; events: [] }
  /** The echo of a reply sent from the CRM, matched to the stored reply (its status events, if any). */
  | { outcome: 'echo'; messageId: string; conversationId: string; events: TenantEvent[] };

export type StatusOutcome =
  | { outcome: 'applied'; messageId: string; status: MessageStatus; seq: number }
  /** The message is already at or past this status (statuses only move forward); no event. */
  | { outcome: 'stale'; messageId: string; status: MessageStatus }
  /** The message is not known yet: the status is kept and applied when it appears. */
  | { outcome: 'deferred' };

/** What became of an edit (`ignored` names why, for the receipt). */
export type EditOutcome =
  | { outcome: 'applied'; messageId: string; seq: number[] }
  /** Already so (a redelivery, or older than what is stored): no event. */
  | { outcome: 'unchanged'; messageId: string }
  | { outcome: 'ignored'; reason: string };

/** What became of a reaction or a deletion: the same three ends as an edit's. */
export type MessageChangeOutcome = EditOutcome;

/** Applies reactions and deletions to stored messages and publishes their events. */
export interface MessageChangeSink {
  react(change: MessageReactionChange, traceId: string): Promise<MessageChangeOutcome>;
  delete(deletion: MessageDeletion, traceId: string): Promise<MessageChangeOutcome>;
}

/** Stores a new inbound (or echoed) message and publishes its events. */
export interface IngestSink {
  /** `receipt` is committed with the message (its outcome and message id filled in). */
  ingest(message: InboundMessage, traceId: string, receipt?: WebhookReceipt): Promise<IngestResult>;
}

/** A message recovered by backfill (#12) and the receipt committed with it. */
export interface RecoveredMessage {
  message: InboundMessage;
  receipt?: WebhookReceipt | undefined;
}

/**
 * Stores messages recovered by backfill (one tenant and instance, oldest
 * first) as `ingest` would one by one, a few per transaction, and publishes
 * their events; results in the order given.
 */
export interface RecoveredSink {
  ingestRecovered(items: RecoveredMessage[], traceId: string): Promise<IngestResult[]>;
}

/** Applies a delivery status (forward only) and publishes its event. */
export interface StatusSink {
  apply(update: StatusUpdate, traceId: string): Promise<StatusOutcome>;
}

/** Applies an edit of a stored message's text and publishes its events. */
export interface EditSink {
  apply(edit: MessageEdit, traceId: string): Promise<EditOutcome>;
}

export type InstanceStateOutcome =
  | { outcome: 'changed'; status: InstanceStatusPayload; seq: number }
  | { outcome: 'unchanged'; status: InstanceStatusPayload }
  | { outcome: 'unknown_instance' };

/**
 * Records what a provider says of an instance's WhatsApp session (state,
 * reason) and publishes `instance_status` when it changed; notes webhooks seen.
 */
export interface InstanceStateSink {
  record(change: InstanceStateChange, traceId: string): Promise<InstanceStateOutcome>;
  /** The provider posted a webhook for this instance at `at` (cheap; throttled by the store). */
  webhookSeen(instanceId: string, at: number): void;
  /** What Newton holds now for the instance (to add a note without changing its state). */
  current?(instanceId: string): Promise<InstanceStatusPayload | undefined>;
}

/** The inbound front door of the pipeline: messages, statuses and edits. */
export interface InboundSinks {
  messages: IngestSink;
  statuses: StatusSink;
  edits: EditSink;
}

/** How webhook adapters find the instance a webhook is for (the store implements it). */
export interface InstanceDirectory {
  /** The instance of `provider` with this name (Evolution instance name, Cloud phone_number_id). */
  findInstance(provider: string, name: string): Promise<Instance | undefined>;
  /** The instances of `provider` with any of these names. */
  findInstances(provider: string, names: string[]): Promise<Instance[]>;
  /** Instances whose own number is one of these (digits, with or without `+`). */
  findInstancesByNumber(numbers: string[]): Promise<Instance[]>;
  /** Cloud API instances of any of these WhatsApp Business Accounts. */
  findInstancesByWaba(wabaIds: string[]): Promise<Instance[]>;
  /** Remembers the WhatsApp Business Account a Cloud API number's webhooks name. */
  noteWaba(instanceId: string, wabaId: string): Promise<void>;
  /** Every Cloud API instance's `hub.verify_token`. */
  cloudVerifyTokens(): Promise<string[]>;
}

/** Where webhook receipts are written when no message transaction carries them. */
export interface ReceiptSink {
  record(receipt: WebhookReceipt): Promise<void>;
}

import type {
  ConversationStatus,
  ConversationSummary,
  LabelPayload,
  LeadAttribution,
  LeadPayload,
  MessageDirection,
  MessageError,
  MessagePayload,
  MessageReaction,
  MessageSender,
  MessageStatus,
  MessageType,
  ProviderName,
} from '@newton/protocol';
import type { Instance, MessageExtra } from '../core/index.js';
import type { ConversationsTable, InstancesTable, LeadsTable, MessagesTable } from './schema.js';

type Row<T> = { [K in keyof T]: T[K] extends import('kysely').Generated<infer U> ? U : T[K] };

export function toIso(ms: number): string {
  return new Date(Number(ms)).toISOString();
}

const PREVIEW_CHARS = 160;

/** A conversation's `last_message_preview` of a message text: at most 160 characters, `…` when cut. */
export function previewText(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/**
 * A lead as events and the API carry it. `picture_url` and `attribution` are
 * there only once known, so a lead without them reads as it always did. An
 * agent's name (`display_name`, migration 017) wins over the WhatsApp profile
 * name, which then travels as `profile_name`.
 */
export function leadPayload(
  row: Pick<Row<LeadsTable>, 'id' | 'name' | 'phone' | 'display_name' | 'attributes'> &
    Partial<Pick<Row<LeadsTable>, 'picture_url' | 'attribution'>>,
): LeadPayload {
  return {
    id: row.id,
    name: row.display_name ?? row.name,
    phone: row.phone,
    ...(row.picture_url ? { picture_url: row.picture_url } : {}),
    ...(row.attribution ? { attribution: JSON.parse(row.attribution) as LeadAttribution } : {}),
    attributes: leadAttributes(row.attributes),
    ...(row.display_name !== null ? { profile_name: row.name } : {}),
  };
}

/** The stored JSON of a lead's attributes (null: none) as an object. */
export function leadAttributes(json: string | null): Record<string, string> {
  return json ? (JSON.parse(json) as Record<string, string>) : {};
}

const STATUSES: readonly string[] = ['open', 'pending', 'resolved', 'snoozed'];

/** A stored status as the protocol names it: `closed` (before migration 014) is `resolved`. */
export function conversationStatus(stored: string): ConversationStatus {
  if (stored === 'closed') return 'resolved';
  return STATUSES.includes(stored) ? (stored as ConversationStatus) : 'open';
}

/** The labels a conversation row carries (`conversations.labels`, JSON). */
export function conversationLabels(json: string | null | undefined): LabelPayload[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? (parsed as LabelPayload[]) : [];
  } catch {
    return [];
  }
}

export function conversationSummary(row: Row<ConversationsTable>): ConversationSummary {
  return {
    id: row.id,
    lead_id: row.lead_id,
    instance_id: row.instance_id,
    status: conversationStatus(row.status),
    unread_count: Number(row.unread_count),
    last_message_at: row.last_message_at == null ? null : toIso(row.last_message_at),
  };
}

export function messagePayload(row: Row<MessagesTable>, phone: string | null): MessagePayload {
  const extra: MessageExtra = row.extra ? JSON.parse(row.extra) : {};
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    content: row.content,
    sender: row.sender as MessageSender,
    phone,
    type: row.type as MessageType,
    direction: row.direction as MessageDirection,
    status: row.status as MessageStatus,
    timestamp: toIso(row.timestamp),
    provider: row.provider as ProviderName,
    provider_message_id: row.provider_message_id,
    ...payloadExtra(extra),
    ...(row.is_probe ? { probe: true as const } : {}),
    ...(row.direction === 'outbound'
      ? {
          client_id: row.client_id ?? null,
          sender_user_id: row.sender_user_id ?? null,
          error: row.status_error ? (JSON.parse(row.status_error) as MessageError) : null,
        }
      : {}),
  };
}

/** The reactions a payload shows: the tombstones of removed ones (empty emoji) left out. */
export function visibleReactions(all: readonly MessageReaction[] | undefined): MessageReaction[] {
  return (all ?? []).filter((r) => r.emoji !== '');
}

/** What of `extra` a payload shows: `reactions` only when there are some. */
function payloadExtra(extra: MessageExtra): MessageExtra {
  const { reactions, ...rest } = extra;
  const shown = visibleReactions(reactions);
  return shown.length > 0 ? { ...rest, reactions: shown } : rest;
}

/** The instance columns of every version: the state columns (migration 007) are read by instance-state.ts. */
export type InstanceRow = Omit<
  Row<InstancesTable>,
  'state' | 'state_reason' | 'state_detail' | 'state_since' | 'last_webhook_at'
>;

export function instanceFromRow(row: InstanceRow): Instance {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    provider: row.provider as ProviderName,
    name: row.name,
    number: row.number,
    apikey: row.apikey,
    webhookSecret: row.webhook_secret,
    baseUrl: row.base_url,
    appSecret: row.app_secret ?? null,
    verifyToken: row.verify_token ?? null,
    wabaId: row.waba_id ?? null,
    createdAt: Number(row.created_at),
  };
}

/** Opaque cursor over a (time, id) ordering. */
export function encodeCursor(time: number, id: string): string {
  return Buffer.from(`${time}:${id}`).toString('base64url');
}

/** The (time, id) of a cursor from `encodeCursor`, or null; times are epoch-ms integers, so others are refused. */
export function decodeCursor(cursor: string): { time: number; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  if (sep <= 0) return null;
  const time = Number(text.slice(0, sep));
  const id = text.slice(sep + 1);
  if (!Number.isSafeInteger(time) || id.length === 0) return null;
  return { time, id };
}

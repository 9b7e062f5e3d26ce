import type { EventBody, LeadAttribution, LeadPayload } from '@newton/protocol';
import { newRowId } from '../core/ids.js';
import type { InboundMessage, MessageExtra } from '../core/index.js';
import { conversationItem } from './inbox.js';
import { conversationSummary, leadPayload, messagePayload, previewText } from './mappers.js';
import type { ConversationsTable, LeadsTable, MessagesTable } from './schema.js';

/**
 * The decisions of the webhook write path, kept free of I/O so that the
 * statement-by-statement transaction (ingest.ts, both dialects) and the
 * one-statement PostgreSQL path (ingest-pg.ts) store exactly the same rows
 * and events.
 */

export type LeadUpdate = Pick<LeadsTable, 'id' | 'phone' | 'wa_lid' | 'name' | 'attribution' | 'updated_at'>;

export interface LeadChange {
  lead: LeadPayload;
  created: boolean;
  updated: boolean;
  /** The row to insert (a new lead). */
  insert?: LeadsTable;
  /** The columns to write (an existing lead learned something). */
  update?: LeadUpdate;
}

/**
 * Whether `lid` must be looked up on its own: not when the lead found by
 * phone already carries it (the lookup would find that same lead).
 */
export function needsLidLookup(m: InboundMessage, byPhone: LeadsTable | undefined): boolean {
  return Boolean(m.lead.lid) && !(byPhone && byPhone.wa_lid === m.lead.lid);
}

/**
 * The lead found by phone or by LID (either identity lands on the same lead),
 * with what this message newly tells about it. `byLid` only when
 * needsLidLookup() said so.
 */
export function decideLead(
  m: InboundMessage,
  byPhone: LeadsTable | undefined,
  byLid: LeadsTable | undefined,
  now: number,
  messageId: string,
): LeadChange {
  const { phone, lid, name } = m.lead;
  const existing = byPhone ?? byLid;
  const touch = firstTouch(m, messageId);
  if (!existing) {
    const row: LeadsTable = {
      id: newRowId(),
      tenant_id: m.tenantId,
      phone,
      wa_lid: lid,
      name,
      picture_url: null,
      attribution: touch,
      display_name: null,
      attributes: null,
      created_at: now,
      updated_at: now,
    };
    return { lead: leadPayload(row), created: true, updated: false, insert: row };
  }
  const patch: Partial<LeadsTable> = {};
  if (phone && !existing.phone) patch.phone = phone;
  // A LID already owned by another lead stays there; the phone is the canonical identity.
  if (lid && !existing.wa_lid && !byLid) patch.wa_lid = lid;
  if (name && name !== existing.name) patch.name = name;
  // First touch only: the ad that brought the lead stays its attribution.
  if (touch && !existing.attribution) patch.attribution = touch;
  if (Object.keys(patch).length === 0) {
    return { lead: leadPayload(existing), created: false, updated: false };
  }
  const merged = { ...existing, ...patch };
  const visible = patch.phone !== undefined || patch.name !== undefined || patch.attribution !== undefined;
  return {
    lead: leadPayload(merged),
    created: false,
    updated: visible,
    update: {
      id: existing.id,
      phone: merged.phone,
      wa_lid: merged.wa_lid,
      name: merged.name,
      attribution: merged.attribution ?? null,
      updated_at: now,
    },
  };
}

/** The lead attribution (JSON) a message with a `referral` gives, or null. */
function firstTouch(m: InboundMessage, messageId: string): string | null {
  const referral = m.extra.referral;
  if (!referral || m.direction !== 'inbound') return null;
  const touch: LeadAttribution = {
    ...referral,
    message_id: messageId,
    at: new Date(m.timestamp).toISOString(),
  };
  return JSON.stringify(touch);
}

/**
 * Whether a stored message counts as unread: an inbound message does, except
 * WhatsApp's own notices (`system`) and calls that were answered — a missed
 * or rejected call is a customer waiting for an answer (docs/protocol.md).
 */
export function countsUnread(m: InboundMessage): boolean {
  if (m.direction !== 'inbound' || m.type === 'system') return false;
  return m.type !== 'call' || m.extra.call?.status !== 'answered';
}

/** lead_created / lead_updated for a lead change, if any. */
export function leadEvent(change: LeadChange, isProbe = false): EventBody | undefined {
  // A probe's lead is marked like its message, so CRMs keep it out of lead lists (issue #6).
  const probe = isProbe ? { probe: true as const } : {};
  if (change.created) return { type: 'lead_created', lead: change.lead, ...probe };
  if (change.updated) return { type: 'lead_updated', lead: change.lead, ...probe };
  return undefined;
}

export type ConversationUpdate = Pick<
  ConversationsTable,
  | 'id'
  | 'unread_count'
  | 'last_message_at'
  | 'last_message_id'
  | 'last_message_preview'
  | 'reply_to'
  | 'updated_at'
  | 'status'
  | 'snoozed_until'
>;

/**
 * Whether a new message reopens its conversation (#15): a customer's message
 * (one that counts as unread: not a WhatsApp notice, not an answered call) in
 * a resolved or snoozed conversation, unless it is older than the
 * conversation's last message (a late or recovered one) or a diagnostics probe.
 */
export function reopens(m: InboundMessage, conv: ConversationsTable, isLatest: boolean): boolean {
  if (!isLatest || m.isProbe || !countsUnread(m)) return false;
  return conv.status === 'resolved' || conv.status === 'closed' || conv.status === 'snoozed';
}

export interface MessagePlan {
  /** The conversation as it will be after the write. */
  conv: ConversationsTable;
  /** Set when the conversation is new. */
  insertConv?: ConversationsTable;
  /** Set when an existing conversation changes. */
  updateConv?: ConversationUpdate;
  message: MessagesTable;
  /** The message's new_message event. */
  body: EventBody;
  /**
   * The `conversation_updated` of a conversation this message reopened (#15),
   * appended right after `body` (new_message stays the message's arrival seq).
   */
  reopened?: EventBody;
}

/**
 * The outcome of the receipt committed with a newly stored message:
 * `backfilled` for one recovered from the provider's store, else `accepted`.
 */
export function storedOutcome(m: InboundMessage): 'accepted' | 'backfilled' {
  return m.recovered ? 'backfilled' : 'accepted';
}

function preview(m: InboundMessage): string {
  return previewText(m.content ?? `[${m.type}]`);
}

/** The stored message a new message quotes (found by the quote's provider id). */
export interface QuotedRow {
  id: string;
  content: string | null;
  sender: string;
}

/**
 * The quote with what the store knows of the quoted message: its Newton id
 * (to jump to it) and, when the provider sent no snippet or author, the
 * stored ones.
 */
export function withQuote(extra: MessageExtra, quoted: QuotedRow | undefined | null): MessageExtra {
  const reply = extra.reply_to;
  if (!reply || !quoted) return extra;
  return {
    ...extra,
    reply_to: {
      ...reply,
      message_id: quoted.id,
      content: reply.content ?? quoted.content,
      sender: reply.sender ?? (quoted.sender === 'agent' ? 'agent' : 'lead'),
    },
  };
}

/**
 * The message row, its conversation's insert or update, and the new_message
 * event, whose seq will be `arrivalSeq` (the last event of the transaction).
 * `quoted` is the stored message it replies to, when there is one.
 */
export function planMessage(
  m: InboundMessage,
  lead: LeadPayload,
  existingConv: ConversationsTable | undefined,
  arrivalSeq: number,
  now: number,
  messageId: string = newRowId(),
  quoted?: QuotedRow | null,
): MessagePlan {
  const unread = countsUnread(m);
  const extra = withQuote(m.extra, quoted);
  let conv: ConversationsTable;
  let insertConv: ConversationsTable | undefined;
  let updateConv: ConversationUpdate | undefined;
  let reopen = false;
  if (!existingConv) {
    conv = {
      id: newRowId(),
      tenant_id: m.tenantId,
      lead_id: lead.id,
      instance_id: m.instanceId,
      status: 'open',
      unread_count: unread ? 1 : 0,
      last_message_at: m.timestamp,
      last_message_id: messageId,
      last_message_preview: preview(m),
      reply_to: m.replyTo,
      created_at: now,
      updated_at: now,
      last_read_at: null,
      snoozed_until: null,
      notes_count: 0,
      labels: '[]',
    };
    insertConv = conv;
  } else {
    // A late-arriving older message must not move the conversation's "last message" back.
    const isLatest =
      existingConv.last_message_at == null || m.timestamp >= Number(existingConv.last_message_at);
    const lastFields = isLatest
      ? { last_message_at: m.timestamp, last_message_id: messageId, last_message_preview: preview(m) }
      : {};
    const unreadCount = Number(existingConv.unread_count) + (unread ? 1 : 0);
    reopen = reopens(m, existingConv, isLatest);
    conv = {
      ...existingConv,
      ...lastFields,
      ...(reopen ? { status: 'open', snoozed_until: null } : {}),
      unread_count: unreadCount,
      reply_to: m.replyTo,
      updated_at: now,
    };
    updateConv = {
      id: conv.id,
      unread_count: conv.unread_count,
      last_message_at: conv.last_message_at,
      last_message_id: conv.last_message_id,
      last_message_preview: conv.last_message_preview,
      reply_to: conv.reply_to,
      updated_at: now,
      status: conv.status,
      snoozed_until: conv.snoozed_until ?? null,
    };
  }
  const message: MessagesTable = {
    id: messageId,
    tenant_id: m.tenantId,
    conversation_id: conv.id,
    lead_id: lead.id,
    instance_id: m.instanceId,
    provider: m.provider,
    provider_message_id: m.providerMessageId,
    direction: m.direction,
    sender: m.sender,
    type: m.type,
    content: m.content,
    status: m.status,
    timestamp: m.timestamp,
    extra: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    is_probe: m.isProbe ? 1 : 0,
    arrival_seq: arrivalSeq,
    created_at: now,
    client_id: null,
    sender_user_id: null,
    status_error: null,
    status_at: null,
    send_attempts: 0,
    send_lease_until: null,
  };
  const body: EventBody = {
    type: 'new_message',
    lead_id: lead.id,
    conversation_id: conv.id,
    lead,
    message: messagePayload(message, lead.phone),
    conversation: conversationSummary(conv),
    // Backfill found it in the provider's store: its webhook never came.
    ...(m.recovered ? { recovered: true as const } : {}),
  };
  const reopened: EventBody | undefined = reopen
    ? {
        type: 'conversation_updated',
        conversation: conversationItem({
          ...conv,
          // Back from the payload to the row's columns: `profile_name` is there only when agents named the lead.
          lead_name: 'profile_name' in lead ? (lead.profile_name ?? null) : lead.name,
          lead_display_name: 'profile_name' in lead ? lead.name : null,
          lead_phone: lead.phone,
          lead_picture_url: lead.picture_url ?? null,
          lead_attributes: JSON.stringify(lead.attributes),
        }),
      }
    : undefined;
  return {
    conv,
    ...(insertConv ? { insertConv } : {}),
    ...(updateConv ? { updateConv } : {}),
    message,
    body,
    ...(reopened ? { reopened } : {}),
  };
}

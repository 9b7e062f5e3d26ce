import { randomUUID } from 'node:crypto';
import type { EventBody, LeadPayload } from '@newton/protocol';
import type { Transaction } from 'kysely';
import type { Dialect } from './db.js';
import { appendEvents, lockTenant } from './event-log.js';
import { q } from './ingest-queries.js';
import { conversationSummary, leadPayload, messagePayload } from './mappers.js';
import { insertReceipt } from './receipts.js';
import type { Database, LeadsTable } from './schema.js';
import type { InboundMessage, IngestResult, WebhookReceipt } from './types.js';

const PREVIEW_CHARS = 160;

export class UnknownTenantError extends Error {
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} does not exist`);
  }
}

interface LeadChange {
  lead: LeadPayload;
  created: boolean;
  updated: boolean;
}

/**
 * Finds the lead by phone or by LID (either identity lands on the same lead)
 * and fills in what this message newly tells about it.
 */
async function upsertLead(trx: Transaction<Database>, m: InboundMessage, now: number): Promise<LeadChange> {
  const { phone, lid, name } = m.lead;
  const byPhone = phone ? (await q.leadByPhone(trx, { tenant: m.tenantId, phone })).rows[0] : undefined;
  const byLid =
    lid && !(byPhone && byPhone.wa_lid === lid)
      ? (await q.leadByLid(trx, { tenant: m.tenantId, lid })).rows[0]
      : undefined;
  const existing = byPhone ?? byLid;
  if (!existing) {
    const row = {
      id: randomUUID(),
      tenant_id: m.tenantId,
      phone,
      wa_lid: lid,
      name,
      created_at: now,
      updated_at: now,
    };
    await q.insertLead(trx, row);
    return { lead: leadPayload(row), created: true, updated: false };
  }
  const patch: Partial<LeadsTable> = {};
  if (phone && !existing.phone) patch.phone = phone;
  // A LID already owned by another lead stays there; the phone is the canonical identity.
  if (lid && !existing.wa_lid && !byLid) patch.wa_lid = lid;
  if (name && name !== existing.name) patch.name = name;
  if (Object.keys(patch).length === 0) {
    return { lead: leadPayload(existing), created: false, updated: false };
  }
  const merged = { ...existing, ...patch };
  await q.updateLead(trx, {
    id: existing.id,
    phone: merged.phone,
    wa_lid: merged.wa_lid,
    name: merged.name,
    updated_at: now,
  });
  const visible = patch.phone !== undefined || patch.name !== undefined;
  return { lead: leadPayload({ ...existing, ...patch }), created: false, updated: visible };
}

function preview(m: InboundMessage): string {
  const text = m.content ?? `[${m.type}]`;
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/**
 * Stores one message with its lead, conversation and events in a single
 * transaction. A redelivered message (same instance + provider id) changes
 * nothing and appends no event.
 */
export async function ingestMessage(
  trx: Transaction<Database>,
  dialect: Dialect,
  m: InboundMessage,
  receipt?: WebhookReceipt,
): Promise<IngestResult> {
  const lastSeq = await lockTenant(trx, dialect, m.tenantId);
  if (lastSeq === undefined) throw new UnknownTenantError(m.tenantId);

  const dup = (
    await q.duplicate(trx, { tenant: m.tenantId, instance: m.instanceId, providerId: m.providerMessageId })
  ).rows[0];
  if (dup) {
    if (receipt)
      await insertReceipt(trx, { ...receipt, outcome: 'duplicate', messageId: dup.id, bodyExcerpt: null });
    return { outcome: 'duplicate', messageId: dup.id, conversationId: dup.conversation_id, events: [] };
  }

  const now = Date.now();
  const bodies: EventBody[] = [];
  const leadChange = await upsertLead(trx, m, now);
  if (leadChange.created) bodies.push({ type: 'lead_created', lead: leadChange.lead });
  else if (leadChange.updated) bodies.push({ type: 'lead_updated', lead: leadChange.lead });

  let conv = (
    await q.conversation(trx, { tenant: m.tenantId, instance: m.instanceId, lead: leadChange.lead.id })
  ).rows[0];
  const messageId = randomUUID();
  const inbound = m.direction === 'inbound';
  // A late-arriving older message must not move the conversation's "last message" back.
  const isLatest = !conv || conv.last_message_at == null || m.timestamp >= Number(conv.last_message_at);
  const lastFields = isLatest
    ? { last_message_at: m.timestamp, last_message_id: messageId, last_message_preview: preview(m) }
    : {};
  if (!conv) {
    conv = {
      id: randomUUID(),
      tenant_id: m.tenantId,
      lead_id: leadChange.lead.id,
      instance_id: m.instanceId,
      status: 'open',
      unread_count: inbound ? 1 : 0,
      last_message_at: m.timestamp,
      last_message_id: messageId,
      last_message_preview: preview(m),
      reply_to: m.replyTo,
      created_at: now,
      updated_at: now,
    };
    await q.insertConversation(trx, conv);
  } else {
    const unread = Number(conv.unread_count) + (inbound ? 1 : 0);
    const patch = { ...lastFields, unread_count: unread, reply_to: m.replyTo, updated_at: now };
    conv = { ...conv, ...patch };
    await q.updateConversation(trx, {
      id: conv.id,
      unread_count: conv.unread_count,
      last_message_at: conv.last_message_at,
      last_message_id: conv.last_message_id,
      last_message_preview: conv.last_message_preview,
      reply_to: conv.reply_to,
      updated_at: now,
    });
  }

  const row = {
    id: messageId,
    tenant_id: m.tenantId,
    conversation_id: conv.id,
    lead_id: leadChange.lead.id,
    instance_id: m.instanceId,
    provider: m.provider,
    provider_message_id: m.providerMessageId,
    direction: m.direction,
    sender: m.sender,
    type: m.type,
    content: m.content,
    status: m.status,
    timestamp: m.timestamp,
    extra: Object.keys(m.extra).length > 0 ? JSON.stringify(m.extra) : null,
    is_probe: m.isProbe ? 1 : 0,
    // new_message is the last event of this transaction (see the push below).
    arrival_seq: lastSeq + bodies.length + 1,
    created_at: now,
  };
  await q.insertMessage(trx, row);
  bodies.push({
    type: 'new_message',
    lead_id: leadChange.lead.id,
    conversation_id: conv.id,
    lead: leadChange.lead,
    message: messagePayload(row, leadChange.lead.phone),
    conversation: conversationSummary(conv),
  });
  const events = await appendEvents(trx, m.tenantId, lastSeq, bodies, now);
  // The receipt commits with the message: one durable write per webhook.
  if (receipt) await insertReceipt(trx, { ...receipt, outcome: 'accepted', messageId, bodyExcerpt: null });
  return { outcome: 'stored', messageId, conversationId: conv.id, events };
}

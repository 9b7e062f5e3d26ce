/**
 * The decisions for a batch of inbound messages of one tenant on PostgreSQL
 * (ingest-pg.ts), taken in memory from one read: each message sees what the
 * ones before it in the batch decided (its lead, its conversation, a message
 * it repeats or quotes), as if they had been stored one by one. The result
 * is the rows of one guarded write (ingest-pg-sql.ts) and each message's
 * outcome. No I/O here.
 */
import type { EventBody } from '@newton/protocol';
import type { Insertable } from 'kysely';
import { newRowId } from '../core/ids.js';
import type { InboundMessage, IngestResult, WebhookReceipt } from '../core/index.js';
import { buildEvents } from './event-log.js';
import {
  type ConversationUpdate,
  decideLead,
  type LeadUpdate,
  leadEvent,
  needsLidLookup,
  planMessage,
  type QuotedRow,
  storedOutcome,
} from './ingest-plan.js';
import { pendingMediaRow } from './media-pending.js';
import { receiptRow } from './receipts.js';
import type {
  ConversationsTable,
  EventsTable,
  LeadsTable,
  MessageMediaTable,
  MessagesTable,
  WebhookReceiptsTable,
} from './schema.js';

/** One webhook's message and the receipt to commit with it. */
export interface BatchItem {
  message: InboundMessage;
  receipt?: WebhookReceipt | undefined;
}

/** A stored message of the tenant, found by its instance and provider id. */
export interface KnownMessage extends QuotedRow {
  instance_id: string;
  provider_message_id: string;
  conversation_id: string;
}

/** What the batch's read returns (ingest-pg-sql.ts). */
export interface BatchRead {
  lastSeq: number;
  /** The stored messages among the batch's ids and the ids they quote. */
  messages: KnownMessage[];
  /** The leads with any of the batch's phones or LIDs. */
  leads: LeadsTable[];
  /** Those leads' conversations, on every instance. */
  conversations: ConversationsTable[];
}

/** The rows of the guarded write, and what each message became. */
export interface BatchPlan {
  lastSeq: number;
  newLastSeq: number;
  leadInserts: LeadsTable[];
  leadUpdates: LeadUpdate[];
  convInserts: ConversationsTable[];
  convUpdates: ConversationUpdate[];
  messages: MessagesTable[];
  events: EventsTable[];
  receipts: WebhookReceiptsTable[];
  media: Insertable<MessageMediaTable>[];
  /** Per item, in order. */
  results: IngestResult[];
}

const key = (instanceId: string, id: string) => `${instanceId}\n${id}`;

/**
 * Plans `items` (one tenant) against `read`, oldest first, exactly as
 * ingest-pg.ts's one-message write and ingest.ts's transaction would store
 * them one after the other: the same leads, conversations, rows and events,
 * seq after seq from the `last_seq` read. A repeated message (stored, or
 * earlier in the batch) is a `duplicate` with its receipt and no event; a
 * diagnostics probe's events take no seq.
 */
export function planBatch(items: BatchItem[], read: BatchRead): BatchPlan {
  let lastSeq = read.lastSeq;
  const known = new Map(read.messages.map((r) => [key(r.instance_id, r.provider_message_id), r]));
  const leads = [...read.leads];
  const convs = new Map(read.conversations.map((c) => [key(c.instance_id, c.lead_id), c]));
  const leadInserts = new Map<string, LeadsTable>();
  const leadUpdates = new Map<string, LeadUpdate>();
  const convInserts = new Map<string, ConversationsTable>();
  const convUpdates = new Map<string, ConversationUpdate>();
  const plan: BatchPlan = {
    lastSeq,
    newLastSeq: lastSeq,
    leadInserts: [],
    leadUpdates: [],
    convInserts: [],
    convUpdates: [],
    messages: [],
    events: [],
    receipts: [],
    media: [],
    results: [],
  };

  for (const { message: m, receipt } of items) {
    const dup = known.get(key(m.instanceId, m.providerMessageId));
    if (dup) {
      // A recovered message Newton already had leaves no receipt: backfill sees most messages again.
      if (receipt && !m.recovered)
        plan.receipts.push(
          receiptRow({ ...receipt, outcome: 'duplicate', messageId: dup.id, bodyExcerpt: null }),
        );
      plan.results.push({
        outcome: 'duplicate',
        messageId: dup.id,
        conversationId: dup.conversation_id,
        events: [],
      });
      continue;
    }

    const now = Date.now();
    const { phone, lid } = m.lead;
    const byPhone = phone ? leads.find((l) => l.phone === phone) : undefined;
    const byLid = needsLidLookup(m, byPhone) ? leads.find((l) => l.wa_lid === lid) : undefined;
    const messageId = newRowId();
    const change = decideLead(m, byPhone, byLid, now, messageId);
    if (change.insert) {
      leadInserts.set(change.insert.id, change.insert);
      leads.push(change.insert);
    } else if (change.update) {
      const existing = (byPhone ?? byLid) as LeadsTable;
      const merged = { ...existing, ...change.update };
      leads[leads.indexOf(existing)] = merged;
      // A lead this batch inserts is inserted as it ends up.
      if (leadInserts.has(merged.id)) leadInserts.set(merged.id, merged);
      else leadUpdates.set(merged.id, change.update);
    }

    const bodies: EventBody[] = [];
    const leadBody = leadEvent(change, m.isProbe === true);
    if (leadBody) bodies.push(leadBody);
    // A diagnostics probe's events take no seq and stay out of the log (see IngestResult).
    const arrivalSeq = m.isProbe ? lastSeq : lastSeq + bodies.length + 1;
    const convKey = key(m.instanceId, change.lead.id);
    const quotedId = m.extra.reply_to?.provider_message_id;
    const quoted = quotedId ? known.get(key(m.instanceId, quotedId)) : undefined;
    const p = planMessage(m, change.lead, convs.get(convKey), arrivalSeq, now, messageId, quoted);
    if (p.insertConv || convInserts.has(p.conv.id)) convInserts.set(p.conv.id, p.conv);
    else if (p.updateConv) convUpdates.set(p.conv.id, p.updateConv);
    convs.set(convKey, p.conv);
    plan.messages.push(p.message);
    const media = pendingMediaRow(m, p.message.id, now);
    if (media) plan.media.push(media);
    bodies.push(p.body);
    if (p.reopened) bodies.push(p.reopened);
    if (receipt)
      plan.receipts.push(
        receiptRow({ ...receipt, outcome: storedOutcome(m), messageId: p.message.id, bodyExcerpt: null }),
      );
    known.set(key(m.instanceId, m.providerMessageId), {
      id: p.message.id,
      instance_id: m.instanceId,
      provider_message_id: m.providerMessageId,
      conversation_id: p.conv.id,
      content: p.message.content,
      sender: p.message.sender,
    });

    const stored = { outcome: 'stored' as const, messageId: p.message.id, conversationId: p.conv.id };
    if (m.isProbe) {
      plan.results.push({ ...stored, events: [], probeEvents: bodies });
      continue;
    }
    const { rows, appended } = buildEvents(m.tenantId, lastSeq, bodies, now);
    plan.events.push(...rows);
    lastSeq += rows.length;
    plan.results.push({ ...stored, events: appended, newConversation: !!p.insertConv });
  }

  plan.newLastSeq = lastSeq;
  plan.leadInserts = [...leadInserts.values()];
  plan.leadUpdates = [...leadUpdates.values()];
  plan.convInserts = [...convInserts.values()];
  plan.convUpdates = [...convUpdates.values()];
  return plan;
}

/**
 * The write path of messages recovered by backfill (#12), a chunk at a time:
 * the rows and events ingestMessage (ingest.ts) would store for each, in one
 * transaction with one tenant lock, one duplicate read, one lead and one
 * conversation read, one event append and one `last_seq` update, instead of
 * about ten statements per message. The
 * decisions are ingest-plan.ts's, so the rows and events are the same. What
 * this path does not cover (outbound records, which may be echoes of CRM
 * replies; customers known by LID; no phone) goes through ingestMessage
 * itself, in order, in the same transaction.
 */
import type { EventBody } from '@newton/protocol';
import type { Insertable, Transaction } from 'kysely';
import { newRowId } from '../core/ids.js';
import type { InboundMessage, IngestResult, RecoveredMessage } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import { ingestMessage, UnknownTenantError } from './ingest.js';
import {
  type ConversationUpdate,
  decideLead,
  type LeadUpdate,
  leadEvent,
  planMessage,
  storedOutcome,
} from './ingest-plan.js';
import { q } from './ingest-queries.js';
import { pendingMediaRow } from './media-pending.js';
import { insertReceiptRow, receiptRow } from './receipts.js';
import type {
  ConversationsTable,
  Database,
  LeadsTable,
  MessageMediaTable,
  MessagesTable,
  WebhookReceiptsTable,
} from './schema.js';

/** Whether the chunk path stores this message itself (else ingestMessage does). */
function plain(m: InboundMessage): boolean {
  return m.direction === 'inbound' && m.lead.phone !== null && !m.lead.lid && m.isProbe !== true;
}

/** What the chunk has decided and not written yet. */
class Pending {
  leadInserts = new Map<string, LeadsTable>();
  leadUpdates = new Map<string, LeadUpdate>();
  convInserts = new Map<string, ConversationsTable>();
  convUpdates = new Map<string, ConversationUpdate>();
  messages: MessagesTable[] = [];
  media: Insertable<MessageMediaTable>[] = [];
  receipts: WebhookReceiptsTable[] = [];
  bodies: EventBody[] = [];
  /** Per stored result, its events' range in `bodies`. */
  spans: { result: IngestResult; from: number; to: number }[] = [];
}

/**
 * Stores `items` (one tenant and instance, oldest first) as ingestMessage
 * would one by one, in the caller's transaction: a message the instance has
 * (its webhook came meanwhile, or it repeats in the chunk) is a `duplicate`
 * with no receipt and no event; the others get their events in order, seq
 * after seq, each `new_message` with `recovered: true` when the message says
 * so and its receipt `backfilled`.
 */
export async function ingestRecovered(
  trx: Transaction<Database>,
  items: RecoveredMessage[],
): Promise<IngestResult[]> {
  const head = items[0]?.message;
  if (!head) return [];
  const { tenantId, instanceId } = head;
  if (items.some((i) => i.message.tenantId !== tenantId || i.message.instanceId !== instanceId))
    throw new Error('a recovered chunk is one tenant and instance');
  let lastSeq = await lockTenant(trx, tenantId);
  if (lastSeq === undefined) throw new UnknownTenantError(tenantId);

  const known = new Map<string, { id: string; conversation_id: string }>();
  for (const r of await trx
    .selectFrom('messages')
    .select(['id', 'conversation_id', 'provider_message_id'])
    .where('tenant_id', '=', tenantId)
    .where('instance_id', '=', instanceId)
    .where(
      'provider_message_id',
      'in',
      items.map((i) => i.message.providerMessageId),
    )
    .execute())
    known.set(r.provider_message_id, r);

  // Leads by phone and conversations by lead, read once for the chunk and kept current as it goes.
  const leads = new Map<string, LeadsTable | null>();
  const convs = new Map<string, ConversationsTable | null>();
  const phones = [
    ...new Set(
      items.flatMap((i) =>
        plain(i.message) && !known.has(i.message.providerMessageId) ? [i.message.lead.phone as string] : [],
      ),
    ),
  ];
  if (phones.length > 0) {
    const rows = await trx
      .selectFrom('leads')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('phone', 'in', phones)
      .execute();
    for (const p of phones) leads.set(p, null);
    for (const r of rows) if (r.phone) leads.set(r.phone, r);
    const ids = rows.map((r) => r.id);
    for (const id of ids) convs.set(id, null);
    if (ids.length > 0) {
      for (const c of await trx
        .selectFrom('conversations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('instance_id', '=', instanceId)
        .where('lead_id', 'in', ids)
        .execute())
        convs.set(c.lead_id, c);
    }
  }

  const results: IngestResult[] = [];
  let p = new Pending();
  const flush = async () => {
    lastSeq = await writePending(trx, tenantId, lastSeq as number, p);
    p = new Pending();
  };
  const now = Date.now();
  for (const { message: m, receipt } of items) {
    const dup = known.get(m.providerMessageId);
    if (dup) {
      results.push({
        outcome: 'duplicate',
        messageId: dup.id,
        conversationId: dup.conversation_id,
        events: [],
      });
      continue;
    }
    if (!plain(m)) {
      // Written in order: what is pending first, then this one by the webhook's own path.
      await flush();
      const result = await ingestMessage(trx, m, receipt);
      lastSeq += result.events.length;
      // It may have changed any lead or conversation: read them anew from here on.
      leads.clear();
      convs.clear();
      if (result.outcome !== 'duplicate')
        known.set(m.providerMessageId, { id: result.messageId, conversation_id: result.conversationId });
      results.push(result);
      continue;
    }
    const phone = m.lead.phone as string;
    if (!leads.has(phone))
      leads.set(phone, (await q.leadByPhone(trx, { tenant: tenantId, phone })).rows[0] ?? null);
    const byPhone = leads.get(phone) ?? undefined;
    const messageId = newRowId();
    const change = decideLead(m, byPhone, undefined, now, messageId);
    if (change.insert) {
      p.leadInserts.set(change.insert.id, change.insert);
      leads.set(phone, change.insert);
    } else if (change.update && byPhone) {
      const merged = { ...byPhone, ...change.update };
      const inserted = p.leadInserts.get(merged.id);
      if (inserted) p.leadInserts.set(merged.id, { ...inserted, ...change.update });
      else p.leadUpdates.set(merged.id, change.update);
      leads.set(phone, merged);
    }
    const leadId = change.lead.id;
    if (!convs.has(leadId)) {
      convs.set(
        leadId,
        (await q.conversation(trx, { tenant: tenantId, instance: instanceId, lead: leadId })).rows[0] ?? null,
      );
    }
    const from = p.bodies.length;
    const leadBody = leadEvent(change);
    if (leadBody) p.bodies.push(leadBody);
    const arrivalSeq = lastSeq + p.bodies.length + 1;
    // The message it quotes may be earlier in this chunk (not written yet) or already stored.
    const quotedId = m.extra.reply_to?.provider_message_id;
    const quoted = quotedId
      ? (p.messages.find((r) => r.provider_message_id === quotedId) ??
        (await q.quoted(trx, { tenant: tenantId, instance: instanceId, providerId: quotedId })).rows[0])
      : undefined;
    const plan = planMessage(
      m,
      change.lead,
      convs.get(leadId) ?? undefined,
      arrivalSeq,
      now,
      messageId,
      quoted,
    );

    if (plan.insertConv || p.convInserts.has(plan.conv.id)) p.convInserts.set(plan.conv.id, plan.conv);
    else if (plan.updateConv) p.convUpdates.set(plan.conv.id, plan.updateConv);
    convs.set(leadId, plan.conv);
    p.messages.push(plan.message);
    const media = pendingMediaRow(m, plan.message.id, now);
    if (media) p.media.push(media);
    p.bodies.push(plan.body);
    if (plan.reopened) p.bodies.push(plan.reopened);
    if (receipt)
      p.receipts.push(
        receiptRow({ ...receipt, outcome: storedOutcome(m), messageId: plan.message.id, bodyExcerpt: null }),
      );
    const result: IngestResult = {
      outcome: 'stored',
      messageId: plan.message.id,
      conversationId: plan.conv.id,
      events: [],
    };
    p.spans.push({ result, from, to: p.bodies.length });
    known.set(m.providerMessageId, { id: plan.message.id, conversation_id: plan.conv.id });
    results.push(result);
  }
  await flush();
  return results;
}

/** Writes what the chunk decided (parents before children) and its events; returns the new last seq. */
async function writePending(
  trx: Transaction<Database>,
  tenantId: string,
  lastSeq: number,
  p: Pending,
): Promise<number> {
  if (p.messages.length === 0) return lastSeq;
  // Row by row with statements compiled once: cheaper than multi-row inserts on SQLite.
  for (const row of p.leadInserts.values()) await q.insertLead(trx, row);
  for (const u of p.leadUpdates.values()) await q.updateLead(trx, u);
  for (const row of p.convInserts.values()) await q.insertConversation(trx, row);
  for (const u of p.convUpdates.values()) await q.updateConversation(trx, u);
  for (const row of p.messages) await q.insertMessage(trx, row);
  for (const row of p.media) await q.insertMedia(trx, row);
  const now = Number(p.messages[0]?.created_at);
  const seq = lastSeq + p.bodies.length;
  const appended = await appendEvents(trx, tenantId, lastSeq, p.bodies, now);
  for (const row of p.receipts) await insertReceiptRow(trx, row);
  for (const s of p.spans) s.result.events = appended.slice(s.from, s.to);
  return seq;
}

import type { EventBody } from '@newton/protocol';
import type { Transaction } from 'kysely';
import { newRowId } from '../core/ids.js';
import type { InboundMessage, IngestResult, WebhookReceipt } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import {
  decideLead,
  type LeadChange,
  leadEvent,
  needsLidLookup,
  planMessage,
  storedOutcome,
} from './ingest-plan.js';
import { q } from './ingest-queries.js';
import { pendingMediaRow } from './media-pending.js';
import { insertReceipt } from './receipts.js';
import type { Database } from './schema.js';
import { advanceStatus, applyDeferred, claimEcho } from './statuses.js';

export class UnknownTenantError extends Error {
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} does not exist`);
  }
}

/**
 * Finds the lead by phone or by LID (either identity lands on the same lead)
 * and fills in what this message newly tells about it (see decideLead).
 */
async function upsertLead(
  trx: Transaction<Database>,
  m: InboundMessage,
  now: number,
  messageId: string,
): Promise<LeadChange> {
  const { phone, lid } = m.lead;
  const byPhone = phone ? (await q.leadByPhone(trx, { tenant: m.tenantId, phone })).rows[0] : undefined;
  const byLid =
    lid && needsLidLookup(m, byPhone)
      ? (await q.leadByLid(trx, { tenant: m.tenantId, lid })).rows[0]
      : undefined;
  const change = decideLead(m, byPhone, byLid, now, messageId);
  if (change.insert) await q.insertLead(trx, change.insert);
  else if (change.update) await q.updateLead(trx, change.update);
  return change;
}

/**
 * Stores one message with its lead, conversation and events in a single
 * transaction. A redelivered message (same instance + provider id) changes
 * nothing and appends no event.
 */
export async function ingestMessage(
  trx: Transaction<Database>,
  m: InboundMessage,
  receipt?: WebhookReceipt,
): Promise<IngestResult> {
  const lastSeq = await lockTenant(trx, m.tenantId);
  if (lastSeq === undefined) throw new UnknownTenantError(m.tenantId);

  const dup = (
    await q.duplicate(trx, { tenant: m.tenantId, instance: m.instanceId, providerId: m.providerMessageId })
  ).rows[0];
  if (dup) {
    // A recovered message Newton already had leaves no receipt: backfill sees most messages again.
    if (receipt && !m.recovered)
      await insertReceipt(trx, { ...receipt, outcome: 'duplicate', messageId: dup.id, bodyExcerpt: null });
    return { outcome: 'duplicate', messageId: dup.id, conversationId: dup.conversation_id, events: [] };
  }

  const now = Date.now();
  const bodies: EventBody[] = [];
  const newId = newRowId();
  const leadChange = await upsertLead(trx, m, now, newId);
  const leadBody = leadEvent(leadChange, m.isProbe === true);
  if (leadBody) bodies.push(leadBody);

  const conv = (
    await q.conversation(trx, { tenant: m.tenantId, instance: m.instanceId, lead: leadChange.lead.id })
  ).rows[0];
  if (m.direction === 'outbound' && conv) {
    // The echo of a reply sent from the CRM, before the send's answer gave us its id.
    const echo = await claimEcho(trx, {
      conversationId: conv.id,
      providerMessageId: m.providerMessageId,
      type: m.type,
      content: m.content,
      now,
    });
    if (echo) {
      const evidence = m.status === 'pending' || m.status === 'failed' ? 'sent' : m.status;
      const moved =
        echo.status === 'failed'
          ? await advanceStatus(trx, echo, evidence, null, m.timestamp, true)
          : m.status === 'failed'
            ? null
            : await advanceStatus(trx, echo, m.status, null, m.timestamp);
      if (moved) bodies.push(moved);
      const deferred = await applyDeferred(trx, echo);
      if (deferred) bodies.push(deferred);
      const events = await appendEvents(trx, m.tenantId, lastSeq, bodies, now);
      if (receipt && !m.recovered)
        await insertReceipt(trx, { ...receipt, outcome: 'duplicate', messageId: echo.id, bodyExcerpt: null });
      return { outcome: 'echo', messageId: echo.id, conversationId: conv.id, events };
    }
  }
  // new_message is the last event of this transaction (see the push below); a probe's take no seq.
  const arrivalSeq = m.isProbe ? lastSeq : lastSeq + bodies.length + 1;
  const quotedId = m.extra.reply_to?.provider_message_id;
  const quoted = quotedId
    ? (await q.quoted(trx, { tenant: m.tenantId, instance: m.instanceId, providerId: quotedId })).rows[0]
    : undefined;
  const plan = planMessage(m, leadChange.lead, conv, arrivalSeq, now, newId, quoted);

  if (plan.insertConv) await q.insertConversation(trx, plan.insertConv);
  else if (plan.updateConv) await q.updateConversation(trx, plan.updateConv);
  const row = plan.message;
  const messageId = row.id;
  await q.insertMessage(trx, row);
  const media = pendingMediaRow(m, messageId, now);
  if (media) await q.insertMedia(trx, media);
  bodies.push(plan.body);
  if (plan.reopened) bodies.push(plan.reopened);
  if (m.direction === 'outbound') {
    // A status that overtook its message (e.g. messages.update before send.message).
    const deferred = await applyDeferred(trx, row);
    if (deferred) bodies.push(deferred);
  }
  // A diagnostics probe's events stay out of the tenant's log (and its seq): see IngestResult.
  const events = m.isProbe ? [] : await appendEvents(trx, m.tenantId, lastSeq, bodies, now);
  // The receipt commits with the message: one durable write per webhook.
  if (receipt)
    await insertReceipt(trx, { ...receipt, outcome: storedOutcome(m), messageId, bodyExcerpt: null });
  const conversationId = plan.conv.id;
  if (m.isProbe) return { outcome: 'stored', messageId, conversationId, events, probeEvents: bodies };
  return { outcome: 'stored', messageId, conversationId, events, newConversation: !!plan.insertConv };
}

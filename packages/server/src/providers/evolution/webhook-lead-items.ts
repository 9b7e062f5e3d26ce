/**
 * Evolution webhooks about a contact (internal to the adapter, #13):
 * `contacts.update`/`contacts.upsert` keep a known lead's name and picture
 * current (one receipt for the whole webhook: a contact sync can carry
 * thousands), and `call` writes a call entry in the caller's conversation.
 */

import type { IngestSink, LeadSink, ReceiptOutcome } from '../../core/index.js';
import { sameNumber } from '../../core/whatsapp/phone.js';
import type { ReceiptRecorder } from '../receipts.js';
import { parseCallItem, parseContactItem } from './lead-events.js';
import { reply, skip, type WebhookReply } from './webhook-answers.js';
import type { ItemContext } from './webhook-items.js';

/**
 * Every contact of one webhook: a known lead takes a non-empty new name or
 * picture (`lead_updated`); a contact no lead has is left alone — contact
 * sync never creates leads (a phone's whole address book is no pipeline).
 */
export async function contactsWebhook(
  ctx: ItemContext,
  items: unknown[],
  leads: LeadSink,
): Promise<WebhookReply> {
  const { instance, req, log, record } = ctx;
  let updated = 0;
  let unchanged = 0;
  let unknown = 0;
  let skipped = 0;
  const seq: number[] = [];
  for (const data of items) {
    const item = parseContactItem(data);
    if (item.kind === 'ignored') {
      skipped++;
      continue;
    }
    const result = await leads.profile(
      {
        tenantId: instance.tenantId,
        instanceId: instance.id,
        phone: item.party.phone,
        lid: item.party.lid,
        name: item.name,
        pictureUrl: item.pictureUrl,
      },
      req.traceId,
    );
    if (result.outcome === 'applied') {
      updated++;
      seq.push(...result.seq);
    } else if (result.outcome === 'unchanged') unchanged++;
    else unknown++;
  }
  const outcome: ReceiptOutcome = updated > 0 ? 'accepted' : unchanged > 0 ? 'duplicate' : 'ignored';
  const parts = [
    `${updated} lead(s) updated`,
    unchanged > 0 ? `${unchanged} already current` : '',
    unknown > 0 ? `${unknown} not a lead of this tenant (contact sync never creates leads)` : '',
    skipped > 0 ? `${skipped} not a person's chat` : '',
  ];
  const reason = `contacts: ${parts.filter(Boolean).join(', ')}`;
  log.info({ updated, unchanged, unknown, skipped, seq }, 'contacts webhook');
  await record({ outcome, reason });
  return reply(200, outcome, req.traceId, { reason, updated, unchanged, unknown, seq });
}

/**
 * One `call` webhook: when the call ends (missed, answered, rejected) its
 * entry (`type: "call"`) is stored in the caller's conversation like a
 * message — a first call from a number makes its lead, as a message would.
 * Steps before the end, and after the first final one, change nothing.
 */
export async function callWebhook(
  ctx: ItemContext,
  data: unknown,
  ingestor: IngestSink,
  receipts: ReceiptRecorder,
): Promise<WebhookReply> {
  const { instance, req, log, routed, record } = ctx;
  const item = parseCallItem(data, req.receivedAt);
  if (item.kind !== 'call') {
    const r = await skip(item, 'call', record, log);
    return { status: r.status, body: { ok: r.status < 300, trace_id: req.traceId, ...r.body } };
  }
  if (instance.number && item.party.phone && sameNumber(instance.number, item.party.phone)) {
    const r = await skip(
      {
        kind: 'ignored',
        reason: 'a call placed from the business phone',
        providerMessageId: item.providerMessageId,
      },
      'call',
      record,
      log,
    );
    return { status: r.status, body: { ok: true, trace_id: req.traceId, ...r.body } };
  }
  const result = await ingestor.ingest(
    {
      tenantId: instance.tenantId,
      instanceId: instance.id,
      provider: 'evolution',
      providerMessageId: item.providerMessageId,
      lead: { phone: item.party.phone, lid: item.party.lid, name: null },
      replyTo: item.party.replyTo,
      direction: 'inbound',
      sender: 'lead',
      type: 'call',
      content: null,
      status: 'delivered',
      timestamp: item.at,
      extra: { call: item.call },
    },
    req.traceId,
    receipts.build(req.traceId, req.receivedAt, req.bodySize, {
      ...routed,
      outcome: 'accepted',
      providerMessageId: item.providerMessageId,
    }),
  );
  const outcome: ReceiptOutcome = result.outcome === 'stored' ? 'accepted' : 'duplicate';
  return reply(200, outcome, req.traceId, {
    call: item.call.status,
    message_id: result.messageId,
    conversation_id: result.conversationId,
    seq: result.events.map((e) => e.seq),
  });
}

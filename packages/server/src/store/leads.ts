/**
 * Lead changes that come with no message of the lead's own (#13): a
 * contact's new name or picture from the provider's contact sync, and a
 * customer's move to a new number (folding the new number's own lead into
 * the old one's when the customer wrote from it first). Each commits its rows and its
 * `lead_updated` event in one transaction. Knows nothing of providers.
 */
import type { EventBody } from '@newton/protocol';
import type { Transaction } from 'kysely';
import type {
  LeadProfileUpdate,
  NumberChange,
  NumberChangeOutcome,
  TenantEvent,
  WebhookReceipt,
} from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { ingestMessage } from './ingest.js';
import { q } from './ingest-queries.js';
import { mergeLead } from './lead-merge.js';
import { leadPayload } from './mappers.js';
import type { Database, LeadsTable } from './schema.js';

export type LeadProfileResult =
  | { outcome: 'applied'; leadId: string; events: TenantEvent[] }
  | { outcome: 'unchanged'; leadId: string }
  | { outcome: 'unknown' };

export type NumberChangeResult = NumberChangeOutcome & { events: TenantEvent[] };

/** A value worth keeping: a non-empty string. */
function present(value: string | null): value is string {
  return value !== null && value.trim() !== '';
}

export class LeadStore {
  constructor(private readonly write: Write) {}

  /** A contact's name and picture: never from empty values, never creating a lead. */
  profile(u: LeadProfileUpdate): Promise<LeadProfileResult> {
    return this.write((trx) => applyProfile(trx, u));
  }

  /** Moves the lead of `oldPhone` to `newPhone` and stores the notice in its conversation. */
  changeNumber(c: NumberChange, receipt?: WebhookReceipt): Promise<NumberChangeResult> {
    return this.write((trx) => applyNumberChange(trx, c, receipt));
  }
}

async function findLead(
  trx: Transaction<Database>,
  tenant: string,
  phone: string | null,
  lid: string | null,
): Promise<LeadsTable | undefined> {
  const byPhone = phone ? (await q.leadByPhone(trx, { tenant, phone })).rows[0] : undefined;
  if (byPhone || !lid) return byPhone;
  return (await q.leadByLid(trx, { tenant, lid })).rows[0];
}

async function applyProfile(trx: Transaction<Database>, u: LeadProfileUpdate): Promise<LeadProfileResult> {
  const lastSeq = await lockTenant(trx, u.tenantId);
  const lead = lastSeq === undefined ? undefined : await findLead(trx, u.tenantId, u.phone, u.lid);
  if (lastSeq === undefined || !lead) return { outcome: 'unknown' };
  const patch: Partial<LeadsTable> = {};
  const name = u.name?.trim() ?? null;
  if (present(name) && name !== lead.name) patch.name = name;
  if (present(u.pictureUrl) && u.pictureUrl !== lead.picture_url) patch.picture_url = u.pictureUrl;
  if (Object.keys(patch).length === 0) return { outcome: 'unchanged', leadId: lead.id };
  const now = Date.now();
  await trx
    .updateTable('leads')
    .set({ ...patch, updated_at: now })
    .where('id', '=', lead.id)
    .execute();
  const body: EventBody = { type: 'lead_updated', lead: leadPayload({ ...lead, ...patch }) };
  const events = await appendEvents(trx, u.tenantId, lastSeq, [body], now);
  return { outcome: 'applied', leadId: lead.id, events };
}

/** The address forms a conversation may reply to a number at (Cloud: digits; Evolution: a JID). */
function replyForms(phone: string): [string, string] {
  const digits = phone.replace(/^\+/, '');
  return [digits, `${digits}@s.whatsapp.net`];
}

async function applyNumberChange(
  trx: Transaction<Database>,
  c: NumberChange,
  receipt: WebhookReceipt | undefined,
): Promise<NumberChangeResult> {
  const m = c.notice;
  const tenant = m.tenantId;
  const lastSeq = await lockTenant(trx, tenant);
  if (lastSeq === undefined)
    return { outcome: 'ignored', reason: `tenant ${tenant} does not exist`, events: [] };
  const dup = (await q.duplicate(trx, { tenant, instance: m.instanceId, providerId: m.providerMessageId }))
    .rows[0];
  if (dup) {
    // ingestMessage records the duplicate receipt and changes nothing.
    await ingestMessage(trx, m, receipt);
    return { outcome: 'duplicate', messageId: dup.id, conversationId: dup.conversation_id, events: [] };
  }
  const from = (await q.leadByPhone(trx, { tenant, phone: c.oldPhone })).rows[0];
  const to = (await q.leadByPhone(trx, { tenant, phone: c.newPhone })).rows[0];
  if (!from && !to) {
    return { outcome: 'ignored', reason: `no lead has the old number ${c.oldPhone}`, events: [] };
  }
  let events: TenantEvent[] = [];
  if (from) {
    // The lead keeps its id, conversations and history; only its number moves.
    const now = Date.now();
    // The customer wrote from the new number before this notice: its lead is folded into this one.
    const bodies: EventBody[] =
      to && to.id !== from.id
        ? await mergeLead(trx, from, to, c.newPhone, now)
        : [{ type: 'lead_updated', lead: leadPayload({ ...from, phone: c.newPhone }) }];
    await trx
      .updateTable('leads')
      .set({ phone: c.newPhone, updated_at: now })
      .where('id', '=', from.id)
      .execute();
    const [oldDigits, oldJid] = replyForms(c.oldPhone);
    const [newDigits, newJid] = replyForms(c.newPhone);
    for (const [was, is] of [
      [oldDigits, newDigits],
      [oldJid, newJid],
    ] as const) {
      await trx
        .updateTable('conversations')
        .set({ reply_to: is })
        .where('lead_id', '=', from.id)
        .where('reply_to', '=', was)
        .execute();
    }
    events = await appendEvents(trx, tenant, lastSeq, bodies, now);
  }
  // `to` alone: an earlier notice (another number of the tenant) moved it already.
  const stored = await ingestMessage(trx, m, receipt);
  return {
    outcome: 'moved',
    leadId: (from ?? to)?.id as string,
    messageId: stored.messageId,
    conversationId: stored.conversationId,
    seq: [...events, ...stored.events].map((e) => e.seq),
    events: [...events, ...stored.events],
  };
}

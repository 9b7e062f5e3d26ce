/**
 * One customer, two leads (#13): the customer changed number and wrote from
 * the new one before WhatsApp's `user_changed_number` notice arrived, so the
 * new number got a lead of its own. `mergeLead` folds that lead (`to`) into
 * the old number's lead (`from`), which keeps its id, name and history, in
 * the caller's transaction:
 *
 * - a conversation of `to` on an instance where `from` has one too is merged
 *   into it: its messages move (same ids), the counters are summed and the
 *   last message is the later of the two; the merged conversation is deleted
 *   (`conversation_merged`);
 * - any other conversation of `to` moves to `from` (`conversation_updated`);
 * - every message of `to` is `from`'s; `to` is deleted, after its phone and
 *   LID were cleared so `from` may take them (unique per tenant);
 * - `from` takes the new number and fills its gaps (LID, name, picture,
 *   first touch, an agent's name) from `to`, and takes `to`'s attributes
 *   it lacks.
 *
 * Returns the events' bodies (`lead_updated` first); the caller appends them.
 * Knows nothing of providers.
 */
import type { EventBody } from '@newton/protocol';
import type { Transaction } from 'kysely';
import { conversationItem } from './inbox.js';
import { carryTriage } from './labels.js';
import { mergeAttributes } from './lead-panel.js';
import { leadPayload } from './mappers.js';
import { conversationRow } from './read-state.js';
import type { ConversationsTable, Database, LeadsTable } from './schema.js';

/** `a` unless it is empty, else `b`. */
function keep(a: string | null, b: string | null): string | null {
  return a !== null && a.trim() !== '' ? a : b;
}

/** The later of two epoch-ms values (null when neither is known). */
function later(a: number | null, b: number | null): number | null {
  if (a == null) return b == null ? null : Number(b);
  return b == null ? Number(a) : Math.max(Number(a), Number(b));
}

/** The merged counters of `into` once `gone`'s messages are in it. */
function mergedCounters(into: ConversationsTable, gone: ConversationsTable, now: number) {
  const goneIsLater =
    gone.last_message_at != null &&
    (into.last_message_at == null || Number(gone.last_message_at) > Number(into.last_message_at));
  const last = goneIsLater ? gone : into;
  const status = into.status === 'open' || gone.status === 'open' ? 'open' : into.status;
  return {
    unread_count: Number(into.unread_count) + Number(gone.unread_count),
    last_message_at: last.last_message_at,
    last_message_id: last.last_message_id,
    last_message_preview: last.last_message_preview,
    last_read_at: later(into.last_read_at, gone.last_read_at),
    status,
    // A snooze stays only on a conversation that stays snoozed (#15).
    snoozed_until: status === 'snoozed' ? (into.snoozed_until ?? null) : null,
    created_at: Math.min(Number(into.created_at), Number(gone.created_at)),
    updated_at: now,
  };
}

export async function mergeLead(
  trx: Transaction<Database>,
  from: LeadsTable,
  to: LeadsTable,
  newPhone: string,
  now: number,
): Promise<EventBody[]> {
  const tenant = from.tenant_id;
  const convs = await trx
    .selectFrom('conversations')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('lead_id', 'in', [from.id, to.id])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const fromByInstance = new Map(convs.filter((c) => c.lead_id === from.id).map((c) => [c.instance_id, c]));
  const merged: { gone: string; into: string }[] = [];
  const moved: string[] = [];
  for (const conv of convs.filter((c) => c.lead_id === to.id)) {
    const into = fromByInstance.get(conv.instance_id);
    if (!into) {
      await trx.updateTable('conversations').set({ lead_id: from.id }).where('id', '=', conv.id).execute();
      moved.push(conv.id);
      continue;
    }
    await trx
      .updateTable('messages')
      .set({ conversation_id: into.id })
      .where('conversation_id', '=', conv.id)
      .execute();
    const counters = mergedCounters(into, conv, now);
    // Its notes and labels go with its messages (#15), before the row (and its label links) goes.
    await carryTriage(trx, tenant, conv.id, into.id);
    await trx.deleteFrom('conversations').where('id', '=', conv.id).execute();
    await trx.updateTable('conversations').set(counters).where('id', '=', into.id).execute();
    fromByInstance.set(into.instance_id, { ...into, ...counters });
    merged.push({ gone: conv.id, into: into.id });
  }
  await trx
    .updateTable('messages')
    .set({ lead_id: from.id })
    .where('tenant_id', '=', tenant)
    .where('lead_id', '=', to.id)
    .execute();
  // Free `to`'s unique phone and LID before `from` takes them, then drop it.
  await trx.updateTable('leads').set({ phone: null, wa_lid: null }).where('id', '=', to.id).execute();
  await trx.deleteFrom('leads').where('id', '=', to.id).execute();
  const lead: LeadsTable = {
    ...from,
    phone: newPhone,
    wa_lid: keep(from.wa_lid, to.wa_lid),
    name: keep(from.name, to.name),
    picture_url: keep(from.picture_url, to.picture_url),
    attribution: keep(from.attribution, to.attribution),
    display_name: keep(from.display_name, to.display_name),
    attributes: mergeAttributes(from.attributes, to.attributes),
    created_at: Math.min(Number(from.created_at), Number(to.created_at)),
    updated_at: now,
  };
  const { id: _, tenant_id: __, ...fields } = lead;
  await trx.updateTable('leads').set(fields).where('id', '=', from.id).execute();

  const bodies: EventBody[] = [{ type: 'lead_updated', lead: leadPayload(lead), merged_lead_id: to.id }];
  for (const m of merged) {
    const row = await conversationRow(trx, tenant, m.into);
    if (row)
      bodies.push({ type: 'conversation_merged', conversation_id: m.gone, into: conversationItem(row) });
  }
  for (const id of moved) {
    const row = await conversationRow(trx, tenant, id);
    if (row) bodies.push({ type: 'conversation_updated', conversation: conversationItem(row) });
  }
  return bodies;
}

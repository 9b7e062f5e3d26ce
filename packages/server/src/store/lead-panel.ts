/**
 * The lead panel (#15): what an agent reads about a lead (its number, first
 * contact, first-touch ad, the tenant's own attributes and every conversation
 * of the lead on any of the tenant's numbers) and what an agent writes about
 * it (a name of their own and key/value attributes). An edit commits the row
 * and its `lead_updated` event in one transaction. Providers never write
 * `display_name` or `attributes`, so a contact sync never undoes an edit.
 */
import type { EventBody, LeadDetail, LeadListItem } from '@newton/protocol';
import { LEAD_LIMITS } from '@newton/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import type { InboxStore } from './inbox.js';
import { leadAttributes, leadPayload, toIso } from './mappers.js';
import type { Database, LeadsTable } from './schema.js';

/** An agent's change to a lead, already validated for shape and size (http/lead-routes.ts). */
export interface LeadEdit {
  /** Absent: unchanged; null: the agent's name removed (the profile name shows). */
  name?: string | null;
  /** Merge patch: a string sets the key, null removes it. */
  attributes?: Record<string, string | null>;
}

export type LeadEditResult =
  | { outcome: 'updated'; lead: LeadListItem; events: TenantEvent[] }
  | { outcome: 'unchanged'; lead: LeadListItem }
  | { outcome: 'not_found' }
  /** The merged attributes would exceed LEAD_LIMITS.attributes; nothing changed. */
  | { outcome: 'too_many'; count: number };

function listItem(row: LeadsTable): LeadListItem {
  return {
    ...leadPayload(row),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

/**
 * `base` with `patch` applied (null removes a key); existing keys keep their
 * place, new ones come last. Built through a Map: a key such as `__proto__`
 * is an ordinary key here.
 */
export function applyAttributes(
  base: Record<string, string>,
  patch: Record<string, string | null>,
): Map<string, string> {
  const out = new Map(Object.entries(base));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) out.delete(k);
    else out.set(k, v);
  }
  return out;
}

/** The stored JSON of attributes (null for none). */
function attributesJson(map: Map<string, string>): string | null {
  return map.size === 0 ? null : JSON.stringify(Object.fromEntries(map));
}

/**
 * Two leads' attributes folded into one (lead-merge.ts): `keep`'s values win,
 * `extra`'s other keys follow while the limit allows.
 */
export function mergeAttributes(keep: string | null, extra: string | null): string | null {
  const out = new Map(Object.entries(leadAttributes(keep)));
  for (const [k, v] of Object.entries(leadAttributes(extra))) {
    if (out.size >= LEAD_LIMITS.attributes) break;
    if (!out.has(k)) out.set(k, v);
  }
  return attributesJson(out);
}

export class LeadPanelStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
    private readonly inbox: InboxStore,
  ) {}

  /** The lead of the tenant with its first contact and conversations; undefined when not the tenant's. */
  async detail(tenantId: string, id: string): Promise<LeadDetail | undefined> {
    const row = await this.db
      .selectFrom('leads')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const first = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.min('timestamp').as('first'))
      .where('lead_id', '=', id)
      .where('is_probe', '=', 0)
      .executeTakeFirst();
    const firstAt = first?.first == null ? Number(row.created_at) : Number(first.first);
    const conversations = await this.inbox.leadConversations(tenantId, id);
    return { ...listItem(row), first_contact_at: toIso(firstAt), conversations };
  }

  /** Applies an agent's edit and appends `lead_updated`, in one transaction. */
  edit(tenantId: string, id: string, edit: LeadEdit): Promise<LeadEditResult> {
    return this.write((trx) => applyEdit(trx, tenantId, id, edit));
  }
}

async function applyEdit(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  edit: LeadEdit,
): Promise<LeadEditResult> {
  const lastSeq = await lockTenant(trx, tenantId);
  if (lastSeq === undefined) return { outcome: 'not_found' };
  const lead = await trx
    .selectFrom('leads')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!lead) return { outcome: 'not_found' };
  const patch: Partial<Pick<LeadsTable, 'display_name' | 'attributes'>> = {};
  if (edit.name !== undefined) {
    const name = edit.name === null || edit.name.trim() === '' ? null : edit.name.trim();
    if (name !== lead.display_name) patch.display_name = name;
  }
  if (edit.attributes !== undefined) {
    const merged = applyAttributes(leadAttributes(lead.attributes), edit.attributes);
    if (merged.size > LEAD_LIMITS.attributes) return { outcome: 'too_many', count: merged.size };
    const json = attributesJson(merged);
    if (json !== lead.attributes) patch.attributes = json;
  }
  if (Object.keys(patch).length === 0) return { outcome: 'unchanged', lead: listItem(lead) };
  const now = Date.now();
  await trx
    .updateTable('leads')
    .set({ ...patch, updated_at: now })
    .where('id', '=', lead.id)
    .execute();
  const row = { ...lead, ...patch, updated_at: now };
  const body: EventBody = { type: 'lead_updated', lead: leadPayload(row) };
  const events = await appendEvents(trx, tenantId, lastSeq, [body], now);
  return { outcome: 'updated', lead: listItem(row), events };
}

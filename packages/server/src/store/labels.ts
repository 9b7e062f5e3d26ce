/**
 * The tenant's labels (#15) and the labels on its conversations. A label
 * belongs to one tenant; every query names the tenant, so a label id of
 * another tenant is as unknown as a made-up one. A conversation keeps its
 * labels' `{id,name,color}` beside it (`conversations.labels`), rebuilt in the
 * same transaction as any change to them, and each changed conversation gets
 * a `conversation_updated`; a change to the catalogue also appends
 * `labels_updated` with the whole catalogue.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationState, EventBody, LabelPayload } from '@newton/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { conversationItem } from './inbox.js';
import { conversationRow } from './read-state.js';
import type { Database } from './schema.js';

/** Labels a tenant may define. */
export const MAX_LABELS_PER_TENANT = 200;

type Executor = Kysely<Database> | Transaction<Database>;

export type LabelChangeResult =
  | { outcome: 'created' | 'updated'; label: LabelPayload; events: TenantEvent[] }
  | { outcome: 'deleted'; events: TenantEvent[] }
  | { outcome: 'not_found' }
  | { outcome: 'exists' }
  | { outcome: 'limit' };

export type ConversationLabelResult =
  | { outcome: 'updated' | 'unchanged'; conversation: ConversationState; events: TenantEvent[] }
  | { outcome: 'not_found' }
  | { outcome: 'unknown_label' };

async function catalogue(db: Executor, tenantId: string): Promise<LabelPayload[]> {
  return db
    .selectFrom('labels')
    .select(['id', 'name', 'color'])
    .where('tenant_id', '=', tenantId)
    .orderBy('name_key')
    .execute();
}

/** The conversation's labels as its row keeps them: in the order they were added. */
async function labelsOf(trx: Transaction<Database>, conversationId: string): Promise<LabelPayload[]> {
  return trx
    .selectFrom('conversation_labels as cl')
    .innerJoin('labels as lb', 'lb.id', 'cl.label_id')
    .select(['lb.id', 'lb.name', 'lb.color'])
    .where('cl.conversation_id', '=', conversationId)
    .orderBy('cl.created_at')
    .orderBy('lb.id')
    .execute();
}

/** Rewrites the conversation's `labels` and returns its `conversation_updated`. */
async function refresh(
  trx: Transaction<Database>,
  tenantId: string,
  conversationId: string,
  now: number,
): Promise<{ conversation: ConversationState; body: EventBody } | undefined> {
  const labels = JSON.stringify(await labelsOf(trx, conversationId));
  await trx
    .updateTable('conversations')
    .set({ labels, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', conversationId)
    .execute();
  const row = await conversationRow(trx, tenantId, conversationId);
  if (!row) return undefined;
  const conversation = conversationItem(row);
  return { conversation, body: { type: 'conversation_updated', conversation } };
}

/** The conversations carrying a label (of the tenant). */
async function carriers(trx: Transaction<Database>, tenantId: string, labelId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('conversation_labels')
    .select('conversation_id')
    .where('tenant_id', '=', tenantId)
    .where('label_id', '=', labelId)
    .execute();
  return rows.map((r) => r.conversation_id);
}

/**
 * A conversation merged into another (lead-merge.ts) hands it its notes and
 * labels: the notes move, the labels it lacks are added, and the survivor's
 * `notes_count` and `labels` are rebuilt. Runs in the merge's transaction.
 */
export async function carryTriage(
  trx: Transaction<Database>,
  tenantId: string,
  goneId: string,
  intoId: string,
): Promise<void> {
  await trx
    .updateTable('notes')
    .set({ conversation_id: intoId })
    .where('conversation_id', '=', goneId)
    .execute();
  const has = await labelsOf(trx, intoId);
  const theirs = await labelsOf(trx, goneId);
  const now = Date.now();
  for (const l of theirs) {
    if (has.some((h) => h.id === l.id)) continue;
    await trx
      .insertInto('conversation_labels')
      .values({ conversation_id: intoId, label_id: l.id, tenant_id: tenantId, created_at: now })
      .execute();
  }
  const notes = await trx
    .selectFrom('notes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversation_id', '=', intoId)
    .executeTakeFirst();
  await trx
    .updateTable('conversations')
    .set({ notes_count: Number(notes?.n ?? 0), labels: JSON.stringify(await labelsOf(trx, intoId)) })
    .where('id', '=', intoId)
    .execute();
}

export class LabelStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {}

  /** The tenant's labels by name. */
  list(tenantId: string): Promise<LabelPayload[]> {
    return catalogue(this.db, tenantId);
  }

  create(tenantId: string, name: string, color: string): Promise<LabelChangeResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      if (lastSeq === undefined) return { outcome: 'not_found' };
      const all = await catalogue(trx, tenantId);
      if (all.some((l) => l.name.toLowerCase() === name.toLowerCase())) return { outcome: 'exists' };
      if (all.length >= MAX_LABELS_PER_TENANT) return { outcome: 'limit' };
      const now = Date.now();
      const label: LabelPayload = { id: randomUUID(), name, color };
      await trx
        .insertInto('labels')
        .values({
          ...label,
          tenant_id: tenantId,
          name_key: name.toLowerCase(),
          created_at: now,
          updated_at: now,
        })
        .execute();
      const labels = await catalogue(trx, tenantId);
      const events = await appendEvents(trx, tenantId, lastSeq, [{ type: 'labels_updated', labels }], now);
      return { outcome: 'created', label, events };
    });
  }

  update(tenantId: string, id: string, patch: { name?: string; color?: string }): Promise<LabelChangeResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      if (lastSeq === undefined) return { outcome: 'not_found' };
      const all = await catalogue(trx, tenantId);
      const current = all.find((l) => l.id === id);
      if (!current) return { outcome: 'not_found' };
      const name = patch.name ?? current.name;
      const color = patch.color ?? current.color;
      if (all.some((l) => l.id !== id && l.name.toLowerCase() === name.toLowerCase())) {
        return { outcome: 'exists' };
      }
      const label: LabelPayload = { id, name, color };
      if (name === current.name && color === current.color) return { outcome: 'updated', label, events: [] };
      const now = Date.now();
      await trx
        .updateTable('labels')
        .set({ name, name_key: name.toLowerCase(), color, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      const bodies: EventBody[] = [];
      for (const conv of await carriers(trx, tenantId, id)) {
        const changed = await refresh(trx, tenantId, conv, now);
        if (changed) bodies.push(changed.body);
      }
      bodies.push({ type: 'labels_updated', labels: await catalogue(trx, tenantId) });
      return { outcome: 'updated', label, events: await appendEvents(trx, tenantId, lastSeq, bodies, now) };
    });
  }

  remove(tenantId: string, id: string): Promise<LabelChangeResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      if (lastSeq === undefined) return { outcome: 'not_found' };
      const found = await trx
        .selectFrom('labels')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!found) return { outcome: 'not_found' };
      const now = Date.now();
      const convs = await carriers(trx, tenantId, id);
      await trx
        .deleteFrom('conversation_labels')
        .where('tenant_id', '=', tenantId)
        .where('label_id', '=', id)
        .execute();
      await trx.deleteFrom('labels').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      const bodies: EventBody[] = [];
      for (const conv of convs) {
        const changed = await refresh(trx, tenantId, conv, now);
        if (changed) bodies.push(changed.body);
      }
      bodies.push({ type: 'labels_updated', labels: await catalogue(trx, tenantId) });
      return { outcome: 'deleted', events: await appendEvents(trx, tenantId, lastSeq, bodies, now) };
    });
  }

  /** Puts (`on`) or takes off a label of the tenant on one of its conversations. */
  setOnConversation(
    tenantId: string,
    conversationId: string,
    labelId: string,
    on: boolean,
  ): Promise<ConversationLabelResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      const conv = await conversationRow(trx, tenantId, conversationId);
      if (lastSeq === undefined || !conv) return { outcome: 'not_found' };
      const label = await trx
        .selectFrom('labels')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', labelId)
        .executeTakeFirst();
      if (!label) return { outcome: 'unknown_label' };
      const has = await trx
        .selectFrom('conversation_labels')
        .select('label_id')
        .where('conversation_id', '=', conv.id)
        .where('label_id', '=', labelId)
        .executeTakeFirst();
      if (Boolean(has) === on)
        return { outcome: 'unchanged', conversation: conversationItem(conv), events: [] };
      const now = Date.now();
      if (on) {
        await trx
          .insertInto('conversation_labels')
          .values({ conversation_id: conv.id, label_id: labelId, tenant_id: tenantId, created_at: now })
          .execute();
      } else {
        await trx
          .deleteFrom('conversation_labels')
          .where('conversation_id', '=', conv.id)
          .where('label_id', '=', labelId)
          .execute();
      }
      const changed = await refresh(trx, tenantId, conv.id, now);
      if (!changed) return { outcome: 'not_found' };
      const events = await appendEvents(trx, tenantId, lastSeq, [changed.body], now);
      return { outcome: 'updated', conversation: changed.conversation, events };
    });
  }
}

/**
 * Who owns a conversation (#15): assigning, unassigning and the round-robin
 * of new conversations. Each change commits `conversations.assignee_id` and
 * a `conversation_updated` event carrying the conversation in one transaction.
 */
import type { ConversationState } from '@newton/protocol';
import type { Transaction } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { conversationItem } from './inbox.js';
import { conversationRow } from './read-state.js';
import type { Database } from './schema.js';

export type AssignResult =
  | { outcome: 'assigned'; conversation: ConversationState; events: TenantEvent[] }
  | { outcome: 'not_found' }
  /** The assignee is not a user of the tenant, or is disabled: nothing stored. */
  | { outcome: 'unknown_assignee' };

export type AutoAssignResult =
  | { outcome: 'assigned'; assigneeId: string; conversation: ConversationState; events: TenantEvent[] }
  | { outcome: 'skipped' };

async function activeUser(trx: Transaction<Database>, tenantId: string, id: string): Promise<boolean> {
  const row = await trx
    .selectFrom('users')
    .select('disabled_at')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row !== undefined && row.disabled_at == null;
}

async function setAssignee(
  trx: Transaction<Database>,
  tenantId: string,
  lastSeq: number,
  conv: NonNullable<Awaited<ReturnType<typeof conversationRow>>>,
  assigneeId: string | null,
): Promise<{ conversation: ConversationState; events: TenantEvent[] }> {
  const now = Date.now();
  await trx
    .updateTable('conversations')
    .set({ assignee_id: assigneeId, updated_at: now })
    .where('id', '=', conv.id)
    .execute();
  const conversation = conversationItem({ ...conv, assignee_id: assigneeId, updated_at: now });
  const events = await appendEvents(
    trx,
    tenantId,
    lastSeq,
    [{ type: 'conversation_updated', conversation }],
    now,
  );
  return { conversation, events };
}

export class AssignmentStore {
  constructor(private readonly write: Write) {}

  /** Sets or clears the assignee; no event when it is already so. */
  assign(tenantId: string, conversationId: string, assigneeId: string | null): Promise<AssignResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      const conv = await conversationRow(trx, tenantId, conversationId);
      if (lastSeq === undefined || !conv) return { outcome: 'not_found' };
      if (assigneeId !== null && !(await activeUser(trx, tenantId, assigneeId)))
        return { outcome: 'unknown_assignee' };
      if ((conv.assignee_id ?? null) === assigneeId)
        return { outcome: 'assigned', conversation: conversationItem(conv), events: [] };
      return { outcome: 'assigned', ...(await setAssignee(trx, tenantId, lastSeq, conv, assigneeId)) };
    });
  }

  /**
   * The round-robin: when the tenant's `auto_assign` is on and `messageId`
   * is the message that created its conversation (still unassigned), gives
   * the conversation to the next of `online` (user ids with an open socket)
   * after the one that got the last, among enabled users, in id order.
   */
  autoAssign(tenantId: string, messageId: string, online: readonly string[]): Promise<AutoAssignResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      if (lastSeq === undefined) return { outcome: 'skipped' };
      const tenant = await trx
        .selectFrom('tenants')
        .select(['auto_assign', 'auto_assign_last'])
        .where('id', '=', tenantId)
        .executeTakeFirst();
      if (!tenant || Number(tenant.auto_assign) !== 1 || online.length === 0) return { outcome: 'skipped' };
      const first = await trx
        .selectFrom('messages as m')
        .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
        .select(['c.id as id', 'c.assignee_id as assignee_id'])
        .where('m.tenant_id', '=', tenantId)
        .where('m.id', '=', messageId)
        .where('m.is_probe', '=', 0)
        .whereRef('c.created_at', '=', 'm.created_at')
        .executeTakeFirst();
      if (!first || first.assignee_id != null) return { outcome: 'skipped' };
      const enabled = await trx
        .selectFrom('users')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', [...online])
        .where('disabled_at', 'is', null)
        .orderBy('id')
        .execute();
      const ids = enabled.map((u) => u.id).sort();
      if (ids.length === 0) return { outcome: 'skipped' };
      const last = tenant.auto_assign_last ?? '';
      const next = ids.find((id) => id > last) ?? (ids[0] as string);
      const conv = await conversationRow(trx, tenantId, first.id);
      if (!conv) return { outcome: 'skipped' };
      await trx.updateTable('tenants').set({ auto_assign_last: next }).where('id', '=', tenantId).execute();
      return {
        outcome: 'assigned',
        assigneeId: next,
        ...(await setAssignee(trx, tenantId, lastSeq, conv, next)),
      };
    });
  }
}

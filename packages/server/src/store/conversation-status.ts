/**
 * A conversation's triage status (#15): open / pending / resolved / snoozed
 * until a time. Each change is one `conversation_updated`, appended in the
 * change's transaction under the tenant lock. Snoozes that fall due are
 * reopened by `reopenDue`, which any number of nodes may run at once: the
 * status is read again under the tenant lock, so exactly one of them reopens
 * a conversation and appends its event.
 */
import type { ConversationState, ConversationStatus } from '@newton/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { conversationItem } from './inbox.js';
import { conversationStatus } from './mappers.js';
import { conversationRow } from './read-state.js';
import type { Database } from './schema.js';

export type StatusResult =
  | { outcome: 'updated' | 'unchanged'; conversation: ConversationState; events: TenantEvent[] }
  | { outcome: 'not_found' };

/** One conversation reopened by the sweeper, with its event. */
export interface Reopened {
  tenantId: string;
  conversationId: string;
  events: TenantEvent[];
}

/**
 * Writes `status` (and `snoozed_until`, epoch ms, for `snoozed`; cleared
 * otherwise) and appends `conversation_updated` with the state after it.
 * Setting what is already there appends nothing.
 */
export async function changeStatus(
  trx: Transaction<Database>,
  tenantId: string,
  conversationId: string,
  status: ConversationStatus,
  snoozedUntil: number | null,
  now: number,
): Promise<StatusResult> {
  const lastSeq = await lockTenant(trx, tenantId);
  const conv = await conversationRow(trx, tenantId, conversationId);
  if (lastSeq === undefined || !conv) return { outcome: 'not_found' };
  const until = status === 'snoozed' ? snoozedUntil : null;
  const current = conversationStatus(conv.status);
  const currentUntil = conv.snoozed_until == null ? null : Number(conv.snoozed_until);
  if (current === status && currentUntil === until) {
    return { outcome: 'unchanged', conversation: conversationItem(conv), events: [] };
  }
  await trx
    .updateTable('conversations')
    .set({ status, snoozed_until: until, updated_at: now })
    .where('id', '=', conv.id)
    .execute();
  const conversation = conversationItem({ ...conv, status, snoozed_until: until, updated_at: now });
  const events = await appendEvents(
    trx,
    tenantId,
    lastSeq,
    [{ type: 'conversation_updated', conversation }],
    now,
  );
  return { outcome: 'updated', conversation, events };
}

export class ConversationStatusStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {}

  set(
    tenantId: string,
    conversationId: string,
    status: ConversationStatus,
    snoozedUntil: number | null,
  ): Promise<StatusResult> {
    return this.write((trx) => changeStatus(trx, tenantId, conversationId, status, snoozedUntil, Date.now()));
  }

  /**
   * Reopens up to `limit` snoozed conversations (of any tenant) whose
   * `snoozed_until` has passed, each in a transaction of its own. A
   * conversation another node reopened first (or an agent changed) is left
   * as it is and appends nothing.
   */
  async reopenDue(now: number, limit = 100): Promise<Reopened[]> {
    const due = await this.db
      .selectFrom('conversations')
      .select(['id', 'tenant_id'])
      .where('status', '=', 'snoozed')
      .where('snoozed_until', '<=', now)
      .orderBy('snoozed_until')
      .limit(limit)
      .execute();
    const reopened: Reopened[] = [];
    for (const d of due) {
      const events = await this.write(async (trx) => {
        const lastSeq = await lockTenant(trx, d.tenant_id);
        const conv = await conversationRow(trx, d.tenant_id, d.id);
        if (lastSeq === undefined || !conv) return [];
        if (conv.status !== 'snoozed' || conv.snoozed_until == null || Number(conv.snoozed_until) > now)
          return [];
        const result = await changeStatus(trx, d.tenant_id, d.id, 'open', null, Date.now());
        return result.outcome === 'updated' ? result.events : [];
      });
      if (events.length > 0) reopened.push({ tenantId: d.tenant_id, conversationId: d.id, events });
    }
    return reopened;
  }
}

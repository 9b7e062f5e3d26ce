/**
 * Finding a stored message by its provider id, for the changes providers
 * report about messages Newton already has (edits, reactions, deletions):
 * the row, its lead's phone (for the payload) and its parsed `extra`. Runs
 * in the caller's transaction, after it took the tenant's lock.
 */
import type { Transaction } from 'kysely';
import type { MessageExtra } from '../core/index.js';
import type { Database } from './schema.js';

/** The message of `instanceId` with this provider id, or undefined. */
export async function messageByProviderId(
  trx: Transaction<Database>,
  tenantId: string,
  instanceId: string,
  providerMessageId: string,
) {
  const row = await trx
    .selectFrom('messages as m')
    .innerJoin('leads as l', 'l.id', 'm.lead_id')
    .selectAll('m')
    .select('l.phone as lead_phone')
    .where('m.tenant_id', '=', tenantId)
    .where('m.instance_id', '=', instanceId)
    .where('m.provider_message_id', '=', providerMessageId)
    .executeTakeFirst();
  if (!row) return undefined;
  const extra: MessageExtra = row.extra ? JSON.parse(row.extra) : {};
  return { row, extra };
}

/** Writes a message's new `extra` (JSON text). */
export async function setExtra(trx: Transaction<Database>, id: string, extra: MessageExtra): Promise<string> {
  const text = JSON.stringify(extra);
  await trx.updateTable('messages').set({ extra: text }).where('id', '=', id).execute();
  return text;
}

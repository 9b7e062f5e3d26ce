/**
 * A Cloud API `user_changed_number` system message, routed and signed
 * (internal to the Cloud adapter, #13): the lead moves to its new number
 * (no second lead), and Meta's notice is kept in its conversation as a
 * `system` entry, which never counts as unread.
 */
import type { Instance, LeadSink, Logger, ReceiptOutcome } from '../../core/index.js';
import { isObj, str } from '../json-read.js';
import { type ReceiptFields, type ReceiptRecorder, senderDigits } from '../receipts.js';
import { parseSystemMessage } from './lead-changes.js';
import type { CloudChange } from './types.js';

type Item = { outcome: ReceiptOutcome } & Record<string, unknown>;

export interface NumberChangeContext {
  instance: Instance;
  change: CloudChange;
  traceId: string;
  receivedAt: number;
  bodySize: number;
  record: (f: Partial<ReceiptFields> & { outcome: ReceiptOutcome }) => Promise<void>;
  receipts: ReceiptRecorder;
  leads: LeadSink | undefined;
  log: Logger;
}

export async function numberChangeItem(raw: unknown, ctx: NumberChangeContext): Promise<Item> {
  const { instance, change, record, log } = ctx;
  const id = isObj(raw) ? (str(raw.id)?.slice(0, 512) ?? null) : null;
  const item = parseSystemMessage(raw);
  const skip = async (outcome: ReceiptOutcome, reason: string): Promise<Item> => {
    log.info({ reason, provider_message_id: id }, `system message ${outcome}`);
    await record({ outcome, reason, providerMessageId: id });
    return { outcome, at: change.at, reason };
  };
  if (item.kind === 'invalid') return skip('rejected', item.reason);
  if (item.kind === 'ignored') return skip('ignored', item.reason);
  if (!id) return skip('rejected', 'system message without "id"');
  if (!ctx.leads) return skip('ignored', 'number changes are not processed by this node');
  const seconds = isObj(raw) ? Number(raw.timestamp) : Number.NaN;
  const timestamp = Number.isSafeInteger(seconds) && seconds > 0 ? seconds * 1000 : ctx.receivedAt;
  const result = await ctx.leads.changeNumber(
    {
      oldPhone: item.oldPhone,
      newPhone: item.newPhone,
      notice: {
        tenantId: instance.tenantId,
        instanceId: instance.id,
        provider: 'cloud',
        providerMessageId: id,
        lead: { phone: item.newPhone, lid: null, name: null },
        replyTo: item.newWaId,
        direction: 'inbound',
        sender: 'lead',
        type: 'system',
        content: item.body,
        status: 'delivered',
        timestamp,
        extra: {
          system: { kind: 'user_changed_number', old_phone: item.oldPhone, new_phone: item.newPhone },
        },
      },
    },
    ctx.traceId,
    ctx.receipts.build(ctx.traceId, ctx.receivedAt, ctx.bodySize, {
      outcome: 'accepted',
      event: change.field,
      instanceName: instance.name,
      tenantId: instance.tenantId,
      instanceId: instance.id,
      providerMessageId: id,
      senderNumber: senderDigits(change.displayPhoneNumber),
      reason: `user_changed_number: ${item.oldPhone} → ${item.newPhone}`,
    }),
  );
  if (result.outcome === 'ignored') return skip('ignored', `user_changed_number: ${result.reason}`);
  const outcome: ReceiptOutcome = result.outcome === 'moved' ? 'accepted' : 'duplicate';
  return {
    outcome,
    message_id: result.messageId,
    conversation_id: result.conversationId,
    ...(result.outcome === 'moved' ? { lead_id: result.leadId, phone: item.newPhone } : {}),
    seq: result.outcome === 'moved' ? result.seq : [],
  };
}

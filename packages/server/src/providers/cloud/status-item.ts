/**
 * A Cloud API `statuses[]` item, routed (internal to the Cloud adapter): the
 * tick applied to the message it is about (or kept until that message
 * appears), answered and recorded.
 */
import type { Instance, Logger, ReceiptOutcome, StatusSink } from '../../core/index.js';
import type { ReceiptFields } from '../receipts.js';
import { parseStatus } from './parse.js';

type Item = { outcome: ReceiptOutcome } & Record<string, unknown>;

export interface StatusContext {
  instance: Instance;
  traceId: string;
  receivedAt: number;
  /** Position of the change in the body (`entry[i].changes[j]`). */
  at: string;
  record: (f: Partial<ReceiptFields> & { outcome: ReceiptOutcome }) => Promise<void>;
  log: Logger;
}

export async function statusItem(
  raw: unknown,
  ctx: StatusContext,
  statuses: StatusSink | undefined,
): Promise<Item> {
  const { instance, at, record, log } = ctx;
  const item = parseStatus(raw, ctx.receivedAt);
  if (item.kind !== 'status') {
    const outcome = item.kind === 'invalid' ? 'rejected' : 'ignored';
    await record({ outcome, reason: item.reason, providerMessageId: item.providerMessageId });
    return { outcome, at, reason: item.reason };
  }
  const s = item.status;
  if (!statuses) {
    const reason = 'statuses are not processed by this node';
    await record({ outcome: 'ignored', reason, providerMessageId: s.providerMessageId });
    return { outcome: 'ignored', at, reason };
  }
  const result = await statuses.apply(
    {
      tenantId: instance.tenantId,
      instanceId: instance.id,
      providerMessageId: s.providerMessageId,
      status: s.status,
      error: s.error,
      at: s.timestamp,
    },
    ctx.traceId,
  );
  log.info({ provider_message_id: s.providerMessageId, status: s.status, result: result.outcome }, 'status');
  const event = `status.${s.status}`;
  if (result.outcome === 'applied') {
    await record({
      outcome: 'accepted',
      event,
      providerMessageId: s.providerMessageId,
      messageId: result.messageId,
    });
    return { outcome: 'accepted', status: s.status, message_id: result.messageId, seq: [result.seq] };
  }
  if (result.outcome === 'stale') {
    const reason = `message is already ${result.status}`;
    await record({
      outcome: 'duplicate',
      event,
      reason,
      providerMessageId: s.providerMessageId,
      messageId: result.messageId,
    });
    // Like Evolution's answer: the status the message has, not the one reported again.
    return { outcome: 'duplicate', status: result.status, message_id: result.messageId, reason, seq: [] };
  }
  const reason = 'message not known yet: the status is kept and applied when it appears';
  await record({ outcome: 'accepted', event, reason, providerMessageId: s.providerMessageId });
  return { outcome: 'accepted', status: s.status, reason, seq: [] };
}

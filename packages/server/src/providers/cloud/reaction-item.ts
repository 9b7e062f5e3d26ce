/**
 * A Cloud API reaction item, routed (internal to the Cloud adapter): applied
 * to the message it reacts to, answered and recorded. Never a message.
 */
import type { Instance, MessageChangeSink, ReceiptOutcome } from '../../core/index.js';
import type { ReceiptFields } from '../receipts.js';
import type { CloudReaction } from './message-acts.js';

type Item = { outcome: ReceiptOutcome } & Record<string, unknown>;

export interface ReactionContext {
  instance: Instance;
  traceId: string;
  /** Position of the change in the body (`entry[i].changes[j]`). */
  at: string;
  record: (f: Partial<ReceiptFields> & { outcome: ReceiptOutcome }) => Promise<void>;
}

export async function reactionItem(
  r: CloudReaction,
  ctx: ReactionContext,
  changes: MessageChangeSink | undefined,
): Promise<Item> {
  const { instance, record } = ctx;
  const providerMessageId = r.providerMessageId;
  if (!changes) {
    const reason = 'reaction not processed by this node';
    await record({ outcome: 'ignored', reason, providerMessageId });
    return { outcome: 'ignored', at: ctx.at, reason };
  }
  const result = await changes.react(
    {
      tenantId: instance.tenantId,
      instanceId: instance.id,
      targetProviderMessageId: r.targetProviderMessageId,
      by: 'lead',
      emoji: r.emoji,
      at: r.at,
    },
    ctx.traceId,
  );
  if (result.outcome === 'ignored') {
    await record({ outcome: 'ignored', reason: result.reason, providerMessageId });
    return { outcome: 'ignored', at: ctx.at, reason: result.reason };
  }
  const messageId = result.messageId;
  if (result.outcome === 'unchanged') {
    const reason = 'reaction already applied';
    await record({ outcome: 'duplicate', reason, providerMessageId, messageId });
    return { outcome: 'duplicate', message_id: messageId, reason, seq: [] };
  }
  await record({ outcome: 'accepted', reason: 'reaction', providerMessageId, messageId });
  return { outcome: 'accepted', message_id: messageId, reaction: true, seq: result.seq };
}

/**
 * Evolution webhook items that change a stored message instead of adding
 * one (internal to the Evolution adapter): reactions (`messages.upsert`
 * `reactionMessage`) and deletions for everyone (`messages.delete`, or a
 * REVOKE `protocolMessage` in `messages.edited` / `messages.upsert`); see
 * message-acts.ts for the shapes. Each records its receipt.
 */
import type { MessageChangeOutcome, MessageChangeSink } from '../../core/index.js';
import { parseDeleteItem, type ReactionAct, type RevokeAct } from './message-acts.js';
import { answer, changeAnswer, type ItemContext, type ItemReply, skip } from './webhook-answers.js';

/** A reaction or a deletion, applied to the message it is about. */
export async function actItem(
  ctx: ItemContext,
  act: ReactionAct | RevokeAct,
  changes: MessageChangeSink | undefined,
): Promise<ItemReply> {
  const { instance, req, record } = ctx;
  const providerMessageId = act.providerMessageId;
  if (!changes) {
    const reason = `${act.kind} not processed by this node`;
    return answer(record, 'ignored', { reason, providerMessageId }, { reason });
  }
  const target = { tenantId: instance.tenantId, instanceId: instance.id };
  const result: MessageChangeOutcome =
    act.kind === 'reaction'
      ? await changes.react(
          {
            ...target,
            targetProviderMessageId: act.targetProviderMessageId,
            by: act.by,
            emoji: act.emoji,
            at: act.at ?? req.receivedAt,
          },
          req.traceId,
        )
      : await changes.delete({ ...target, providerMessageId, at: req.receivedAt }, req.traceId);
  return changeAnswer(record, act.kind === 'reaction' ? 'reaction' : 'deletion', providerMessageId, result);
}

/** One `messages.delete` item: the key of a message its author deleted for everyone. */
export async function deleteItem(
  ctx: ItemContext,
  data: unknown,
  changes: MessageChangeSink | undefined,
): Promise<ItemReply> {
  const item = parseDeleteItem(data);
  if (item.kind === 'invalid') return skip(item, 'messages.delete', ctx.record, ctx.log);
  return actItem(ctx, item, changes);
}

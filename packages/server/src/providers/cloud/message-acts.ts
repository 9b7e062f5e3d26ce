/**
 * Parts of a Cloud API `messages[]` item that are about another message
 * (issue #13 §3, §4). Pure.
 *
 * - `type: reaction`, `reaction: {message_id, emoji}`: the customer reacted
 *   to `message_id`; when they remove it "another webhook is triggered, but
 *   the emoji property will be omitted" (Meta, Reaction messages webhook
 *   reference: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/reaction).
 * - `context: {from, id}` on any message: it replies to (quotes) message
 *   `id`, written by `from` (Meta, Messages webhook reference, "context").
 *   Meta sends no quoted text: the store fills it from the quoted message.
 *
 * Deletions: the Cloud API posts no webhook when a customer deletes a
 * message for everyone (none among the message types of the Messages
 * webhook reference nor the `unsupported` types of its Unsupported messages
 * reference), so a Cloud message is never marked deleted.
 */
import type { ReplyToInfo } from '@newton/protocol';
import { isObj, type Obj, str } from '../json-read.js';

export interface CloudReaction {
  kind: 'reaction';
  /** The reaction message's own wamid (receipts). */
  providerMessageId: string;
  targetProviderMessageId: string;
  /** Empty when removed. */
  emoji: string;
  /** Epoch ms. */
  at: number;
}

/** A `reaction` item, or an `invalid` reason when it names no message. */
export function cloudReaction(
  message: Obj,
  id: string,
  at: number,
): CloudReaction | { kind: 'invalid'; reason: string; providerMessageId: string } {
  const part = isObj(message.reaction) ? message.reaction : {};
  const target = str(part.message_id);
  if (!target) return { kind: 'invalid', reason: 'reaction without "message_id"', providerMessageId: id };
  const emoji = typeof part.emoji === 'string' ? part.emoji : '';
  return { kind: 'reaction', providerMessageId: id, targetProviderMessageId: target, emoji, at };
}

/** `{reply_to}` for the message's extra when its `context` quotes a message, else `{}`. */
export function cloudQuote(message: Obj): { reply_to?: ReplyToInfo } {
  const context = isObj(message.context) ? message.context : null;
  const id = context ? str(context.id) : null;
  if (!context || !id) return {};
  const from = str(context.from);
  const customer = str(message.from);
  const sender = from === null ? null : from === customer ? 'lead' : 'agent';
  return { reply_to: { message_id: null, provider_message_id: id, content: null, sender } };
}

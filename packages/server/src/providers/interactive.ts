/**
 * The provider-neutral shapes of interactive replies, polls and orders
 * (issue #13), shared by the Evolution and Cloud API parsers: each builds
 * the stored type, content and `extra` the same way. Pure.
 */
import type { InteractiveReplyInfo, OrderItem, PollInfo } from '@newton/protocol';
import type { MessageExtra } from '../core/index.js';
import { isObj, str, toFloat, trimmed } from './json-read.js';

/** A parsed message's type, text and type-specific parts. */
export interface ParsedContent {
  type: 'interactive_reply' | 'poll' | 'order';
  content: string | null;
  extra: MessageExtra;
}

/** Flow answers are small forms; anything larger is kept as unreadable rather than stored whole. */
const MAX_RESPONSE_JSON = 64 * 1024;

/** The value of a JSON text (a Flow's `response_json`, a native flow's `paramsJson`); null when unreadable. */
export function jsonText(raw: unknown): unknown {
  if (isObj(raw)) return raw;
  if (typeof raw !== 'string' || raw.length > MAX_RESPONSE_JSON) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

/** An `interactive_reply`: the chosen title is the content (its id when it has no title). */
export function interactiveReply(info: InteractiveReplyInfo): ParsedContent {
  const clean: InteractiveReplyInfo = { kind: info.kind, id: info.id, title: info.title };
  if (info.description) clean.description = info.description;
  if (info.name) clean.name = info.name;
  if (info.response_json !== undefined) clean.response_json = info.response_json;
  return { type: 'interactive_reply', content: info.title ?? info.id, extra: { interactive: clean } };
}

/** A `poll`: the question is the content, the option names go to `extra.poll`. */
export function pollContent(question: unknown, options: unknown, selectable: unknown): ParsedContent {
  const names = (Array.isArray(options) ? options : [])
    .map((o) => (isObj(o) ? trimmed(o.optionName) : trimmed(o)))
    .filter((n): n is string => n !== null);
  const count = toFloat(selectable);
  const poll: PollInfo = {
    question: trimmed(question),
    options: names,
    selectable_count: count !== null && Number.isSafeInteger(count) && count >= 0 ? count : null,
  };
  return { type: 'poll', content: poll.question, extra: { poll } };
}

/** One `product_items[]` line of a Cloud API order. */
export function orderItem(raw: unknown): OrderItem {
  const item = isObj(raw) ? raw : {};
  return {
    product_retailer_id: str(item.product_retailer_id),
    quantity: toFloat(item.quantity),
    item_price: toFloat(item.item_price),
    currency: str(item.currency),
  };
}

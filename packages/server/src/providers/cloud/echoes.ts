/**
 * Coexistence (issue #13): a number used both in the WhatsApp Business app
 * and through the Cloud API gets what the business typed in the app as
 * `smb_message_echoes` changes. Meta's reference
 * (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/smb_message_echoes):
 * `value.message_echoes[]` items `{from: <business number>, to: <customer
 * wa_id>, id, timestamp, type, <type>: {…}}`, the same content shapes as
 * `messages[]`. They are stored as the business's own messages (sender
 * `agent`, outbound), as Evolution's `fromMe` messages are. Pure.
 */
import { isObj } from '../json-read.js';
import { parseMessage } from './parse.js';
import type { CloudMessageItem } from './types.js';

/** The change field Meta posts app-typed messages under. */
export const ECHOES_FIELD = 'smb_message_echoes';

/** Echo kinds that change an earlier message rather than being one. */
const NOT_A_MESSAGE = new Map([
  ['revoke', 'echo of a deletion made in the WhatsApp Business app'],
  ['edit', 'echo of an edit made in the WhatsApp Business app'],
]);

/**
 * One `message_echoes[]` item, read as a message to the customer: the
 * customer is `to` (or the business-scoped `to_user_id`), never `from`.
 */
export function parseEcho(raw: unknown, receivedAt: number): CloudMessageItem {
  if (!isObj(raw)) return { kind: 'invalid', reason: 'echo must be an object', providerMessageId: null };
  const ignored = typeof raw.type === 'string' ? NOT_A_MESSAGE.get(raw.type) : undefined;
  if (ignored) return { kind: 'ignored', reason: ignored, providerMessageId: String(raw.id ?? '') || null };
  const { from: _business, to, to_user_id, ...rest } = raw;
  const item = parseMessage({ ...rest, from: to, from_user_id: to_user_id }, undefined, receivedAt);
  if (item.kind === 'invalid' && item.reason.startsWith('"from"')) {
    return { ...item, reason: '"to" has no usable phone number' };
  }
  return item;
}

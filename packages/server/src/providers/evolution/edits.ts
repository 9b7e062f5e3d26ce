/**
 * Reads Evolution's `messages.edited` items (docs/api.md §1.5, §1.9) into the
 * provider-neutral edit shape. Pure: no routing, no I/O.
 *
 * Evolution sends the Baileys `protocolMessage` of the edit as `data`:
 * `{key: {remoteJid, fromMe, id}, type: "MESSAGE_EDIT" | 14, editedMessage:
 * {conversation | extendedTextMessage.text | imageMessage.caption | …},
 * timestampMs}`, where `key.id` is the id of the message that was edited.
 * Some versions/proxies wrap it in an upsert-shaped object
 * (`data.message.protocolMessage`, `data.message.editedMessage.message.protocolMessage`);
 * both are read. The same edit also comes as `messages.update` with status
 * `DELETED`, which statuses.ts ignores.
 */
import { isObj, type Obj, str, toFloat } from '../json-read.js';
import { isRevokeType, type RevokeAct } from './message-acts.js';

export type EditItem =
  | { kind: 'edit'; providerMessageId: string; text: string; at: number | null }
  /** A deletion for everyone (`type: REVOKE`): Evolution posts every protocolMessage as an edit. */
  | RevokeAct
  | { kind: 'ignored'; reason: string; providerMessageId: string | null }
  | { kind: 'invalid'; reason: string };

/** Where the new text of an edited message lives, per message kind. */
const TEXT_PATHS: [string, string][] = [
  ['extendedTextMessage', 'text'],
  ['imageMessage', 'caption'],
  ['videoMessage', 'caption'],
  ['documentMessage', 'caption'],
];

/** The protocolMessage of an edit, wherever this Evolution version put it. */
function protocolMessageOf(data: Obj): Obj {
  const message = isObj(data.message) ? data.message : null;
  if (message && isObj(message.protocolMessage)) return message.protocolMessage;
  const wrapped = message && isObj(message.editedMessage) ? message.editedMessage : null;
  if (wrapped && isObj(wrapped.message) && isObj(wrapped.message.protocolMessage)) {
    return wrapped.message.protocolMessage;
  }
  if (isObj(data.protocolMessage)) return data.protocolMessage;
  return data;
}

function editedText(edited: Obj): string | null {
  const inner = isObj(edited.message) ? edited.message : edited;
  if (typeof inner.conversation === 'string') return inner.conversation;
  for (const [kind, field] of TEXT_PATHS) {
    const part = inner[kind];
    if (isObj(part) && typeof part[field] === 'string') return part[field] as string;
  }
  return null;
}

/** One `messages.edited` data item. */
export function parseEditItem(data: unknown): EditItem {
  if (!isObj(data)) return { kind: 'invalid', reason: '"data" must be an object' };
  const proto = protocolMessageOf(data);
  const key = isObj(proto.key) ? proto.key : null;
  const id = key ? str(key.id) : null;
  if (!id) return { kind: 'invalid', reason: 'missing "key.id" of the edited message' };
  if (isRevokeType(proto.type)) return { kind: 'revoke', providerMessageId: id };
  if (proto.type !== undefined && proto.type !== 'MESSAGE_EDIT' && proto.type !== 14) {
    return {
      kind: 'ignored',
      reason: `protocol message type ${String(proto.type).slice(0, 40)}`,
      providerMessageId: id,
    };
  }
  const edited = isObj(proto.editedMessage) ? proto.editedMessage : null;
  const text = edited ? editedText(edited) : null;
  if (text === null) return { kind: 'ignored', reason: 'edit without a new text', providerMessageId: id };
  const ms = toFloat(proto.timestampMs);
  return { kind: 'edit', providerMessageId: id, text, at: ms !== null && ms > 0 ? ms : null };
}

/**
 * The edit a `messages.update` item carries itself (a proxy or a version that
 * forwards Baileys' `{key, update: {message}}`, or puts the protocol message
 * in `message`), shaped for parseEditItem; null when it carries none.
 */
export function carriedEdit(data: unknown): Obj | null {
  if (!isObj(data)) return null;
  const update = isObj(data.update) ? data.update : null;
  const message = isObj(data.message)
    ? data.message
    : update && isObj(update.message)
      ? update.message
      : null;
  if (!message || !(isObj(message.protocolMessage) || isObj(message.editedMessage))) return null;
  return { ...data, message };
}

/**
 * What an Evolution webhook says happened to a message rather than being
 * one (issue #13 §3, §5): a reaction added, changed or removed, and a
 * message deleted for everyone. Pure: no routing, no I/O.
 *
 * Shapes (EvolutionAPI/evolution-api, src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts):
 * - a reaction comes as `messages.upsert` with `message.reactionMessage`
 *   `{key: {remoteJid, fromMe, id}, text, senderTimestampMs}`, where `key`
 *   is the message reacted to and `text: ""` removes the reaction; who
 *   reacted is the upsert's own `key.fromMe`;
 * - a deletion comes as `messages.delete` with the deleted message's key as
 *   `data` (`{remoteJid, fromMe, id, participant?, status: "DELETED"}`, sent
 *   from the `messages.update` handler when `update.message === null`), and
 *   the revoking `protocolMessage` itself (`{key, type: "REVOKE"}`) as
 *   `messages.edited` (the upsert handler sends every protocolMessage there);
 *   older servers and proxies put that protocolMessage in `messages.upsert`.
 */
import type { MessageSender } from '@newton/protocol';
import { isObj, type Obj, str, toFloat } from '../json-read.js';

export interface ReactionAct {
  kind: 'reaction';
  /** The reaction message's own id (receipts). */
  providerMessageId: string;
  targetProviderMessageId: string;
  by: MessageSender;
  /** Empty when removed. */
  emoji: string;
  /** Epoch ms (senderTimestampMs), or null. */
  at: number | null;
}

export interface RevokeAct {
  kind: 'revoke';
  /** The deleted message's id. */
  providerMessageId: string;
}

/** `protocolMessage.type` of a revoke: protobuf's enum name, or its number (0) in plain JSON. */
export function isRevokeType(type: unknown): boolean {
  return type === 'REVOKE' || type === 0;
}

/** A `reactionMessage` in an upsert's (unwrapped) message, or null when it is none. */
export function reactionAct(message: Obj, providerMessageId: string, fromMe: boolean): ReactionAct | null {
  const part = message.reactionMessage;
  if (!isObj(part)) return null;
  const target = isObj(part.key) ? str(part.key.id) : null;
  if (!target) return null;
  const ms = toFloat(part.senderTimestampMs);
  return {
    kind: 'reaction',
    providerMessageId,
    targetProviderMessageId: target,
    by: fromMe ? 'agent' : 'lead',
    emoji: typeof part.text === 'string' ? part.text : '',
    at: ms !== null && ms > 0 ? ms : null,
  };
}

/** A revoking `protocolMessage` in an upsert's (unwrapped) message, or null. */
export function revokeAct(message: Obj): RevokeAct | null {
  const proto = message.protocolMessage;
  if (!isObj(proto) || !isRevokeType(proto.type)) return null;
  const id = isObj(proto.key) ? str(proto.key.id) : null;
  return id ? { kind: 'revoke', providerMessageId: id } : null;
}

export type DeleteItem = RevokeAct | { kind: 'invalid'; reason: string };

/** One `messages.delete` data item: the deleted message's key (`id`, or `keyId`/`key.id` in some versions). */
export function parseDeleteItem(data: unknown): DeleteItem {
  if (!isObj(data)) return { kind: 'invalid', reason: '"data" must be an object' };
  const id = str(data.id) ?? str(data.keyId) ?? (isObj(data.key) ? str(data.key.id) : null);
  if (!id) return { kind: 'invalid', reason: 'missing "id" of the deleted message' };
  return { kind: 'revoke', providerMessageId: id };
}

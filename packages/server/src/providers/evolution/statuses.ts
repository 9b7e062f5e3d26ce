/**
 * Reads Evolution's `messages.update` items (docs/api.md §1.9) into the
 * provider-neutral status shape. Pure: no routing, no I/O.
 *
 * The item is flat: `{messageId, keyId, remoteJid, fromMe, participant,
 * status, instanceId}`, with `status` one of Evolution's renderStatus names.
 * An edit arrives here as `DELETED` (its new text comes in
 * `messages.edited`); updates about inbound messages (`fromMe: false`, us
 * reading theirs) carry no delivery news.
 */

import { type DeliveryStatus, SendErrorCode } from '../../core/index.js';
import { parseJid } from '../../core/whatsapp/jid.js';
import { isObj } from '../json-read.js';

export type StatusItem =
  | {
      kind: 'status';
      providerMessageId: string;
      status: DeliveryStatus;
      error: { code: string; message: string } | null;
    }
  | { kind: 'ignored'; reason: string; providerMessageId: string | null }
  | { kind: 'invalid'; reason: string };

const NAMES = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'] as const;

const MAP: Record<string, DeliveryStatus> = {
  SERVER_ACK: 'sent',
  DELIVERY_ACK: 'delivered',
  READ: 'read',
  PLAYED: 'read',
  ERROR: 'failed',
};

/**
 * A `messages.update` without `status` (Evolution 2.2.x posts one when a
 * message is edited, its new text following in `messages.edited`, and for
 * poll votes with `pollUpdates`: issues #1380, #2010; whatsapp.baileys.service.ts
 * `messages.update` sends `status: status[update.status]`, undefined then).
 * A real shape, so it is answered 200 and recorded, never refused.
 */
function noStatus(data: Record<string, unknown>, id: string): StatusItem {
  const reason = Array.isArray(data.pollUpdates)
    ? 'poll vote (messages.update with pollUpdates): votes are not kept'
    : 'update without a status (an edit: its new text comes in messages.edited)';
  return { kind: 'ignored', reason, providerMessageId: id };
}

/** One `messages.update` data item. */
export function parseStatusItem(data: unknown): StatusItem {
  if (!isObj(data)) return { kind: 'invalid', reason: '"data" must be an object' };
  // v2: keyId; v1 used `id`. A `key.id` is accepted too (some proxies re-shape the event).
  const raw = data.keyId ?? (isObj(data.key) ? data.key.id : undefined);
  if (raw === undefined || raw === null) return { kind: 'invalid', reason: 'missing "keyId"' };
  if (typeof raw !== 'string' || raw.trim() === '')
    return { kind: 'invalid', reason: '"keyId" must be a non-empty string' };
  const id = raw;
  if (data.status === undefined || data.status === null) return noStatus(data, id);
  const fromMe = data.fromMe ?? (isObj(data.key) ? data.key.fromMe : undefined);
  if (fromMe === false)
    return { kind: 'ignored', reason: 'status of an inbound message', providerMessageId: id };
  const remoteJid = typeof data.remoteJid === 'string' ? parseJid(data.remoteJid) : null;
  if (remoteJid && remoteJid.kind !== 'phone' && remoteJid.kind !== 'lid') {
    return { kind: 'ignored', reason: `status in a ${remoteJid.kind} chat`, providerMessageId: id };
  }
  const name =
    typeof data.status === 'number'
      ? NAMES[data.status]
      : typeof data.status === 'string'
        ? data.status.toUpperCase()
        : undefined;
  if (name === undefined) {
    const shown = JSON.stringify(data.status).slice(0, 40);
    return { kind: 'ignored', reason: `unknown status ${shown}`, providerMessageId: id };
  }
  if (name === 'DELETED') {
    return { kind: 'ignored', reason: 'edited or deleted message (status DELETED)', providerMessageId: id };
  }
  if (name === 'PENDING') return { kind: 'ignored', reason: 'status PENDING', providerMessageId: id };
  const status = MAP[name];
  if (!status) {
    return { kind: 'ignored', reason: `unknown status "${name.slice(0, 40)}"`, providerMessageId: id };
  }
  const error =
    status === 'failed'
      ? {
          code: SendErrorCode.PROVIDER_ERROR,
          message: 'WhatsApp did not deliver the message (Evolution status ERROR)',
        }
      : null;
  return { kind: 'status', providerMessageId: id, status, error };
}

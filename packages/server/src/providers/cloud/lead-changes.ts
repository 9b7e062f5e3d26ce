/**
 * What a Cloud API `messages` change tells about the lead itself (#13). Pure.
 *
 * - `messages[].referral`: the click-to-WhatsApp ad (or post) the customer
 *   tapped before writing (Meta, developers.facebook.com/documentation/
 *   business-messaging/whatsapp/webhooks/reference/messages/text: `referral`
 *   with source_url, source_id, source_type, body, headline, media_type,
 *   image_url, video_url, thumbnail_url, ctwa_clid).
 * - `type: "system"` with `system.type: "user_changed_number"` (same place,
 *   …/reference/messages/system): `from` is the number the customer left,
 *   `system.wa_id` the new one (`new_wa_id` and `customer_changed_number` in
 *   Graph versions before v12), `system.body` Meta's sentence about it.
 *   System messages carry no `contacts[]`.
 */
import type { ReferralInfo } from '@newton/protocol';
import { normalizeWhatsAppNumber } from '../../core/whatsapp/phone.js';
import { isObj, str } from '../json-read.js';

const REFERRAL_FIELDS = [
  'source_url',
  'source_id',
  'source_type',
  'headline',
  'body',
  'media_type',
  'image_url',
  'video_url',
  'thumbnail_url',
  'ctwa_clid',
] as const;

/** The `referral` of a message, every field as a string or null; null when there is none. */
export function referralOf(raw: unknown): ReferralInfo | null {
  if (!isObj(raw)) return null;
  const out = Object.fromEntries(REFERRAL_FIELDS.map((k) => [k, str(raw[k])?.slice(0, 2048) ?? null]));
  const referral = out as unknown as ReferralInfo;
  return REFERRAL_FIELDS.some((k) => referral[k] !== null) ? referral : null;
}

export type SystemItem =
  | {
      kind: 'number_changed';
      /** E.164 with `+`. */
      oldPhone: string;
      newPhone: string;
      /** The new `wa_id`: where replies go now. */
      newWaId: string;
      body: string | null;
    }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string };

const NUMBER_CHANGED = new Set(['user_changed_number', 'customer_changed_number']);

/** True for a `messages[]` item of `type: "system"`. */
export function isSystemMessage(raw: unknown): boolean {
  return isObj(raw) && raw.type === 'system';
}

/** Reads a `type: "system"` message item. */
export function parseSystemMessage(raw: unknown): SystemItem {
  if (!isObj(raw) || !isObj(raw.system))
    return { kind: 'invalid', reason: 'system message without "system"' };
  const system = raw.system;
  const type = str(system.type);
  if (!type || !NUMBER_CHANGED.has(type)) {
    return { kind: 'ignored', reason: `system message ${type ? `"${type.slice(0, 60)}"` : 'without type'}` };
  }
  const from = str(raw.from);
  const oldPhone = from ? normalizeWhatsAppNumber(from.replace(/^\+/, '')) : null;
  const newWaId = (str(system.wa_id) ?? str(system.new_wa_id))?.replace(/^\+/, '') ?? null;
  const newPhone = newWaId ? normalizeWhatsAppNumber(newWaId) : null;
  if (!oldPhone) return { kind: 'invalid', reason: `${type} without a usable "from"` };
  if (!newPhone || !newWaId) return { kind: 'invalid', reason: `${type} without a usable "system.wa_id"` };
  if (oldPhone === newPhone) return { kind: 'ignored', reason: `${type} to the same number` };
  return {
    kind: 'number_changed',
    oldPhone,
    newPhone,
    newWaId,
    body: str(system.body)?.slice(0, 1000) ?? null,
  };
}

/**
 * Reads WhatsApp Cloud API webhook bodies (docs/api.md §1.8): the envelope
 * (`entry[].changes[]`), one `messages[]` item and one `statuses[]` item.
 * Pure: no tenant routing, no I/O, no signature (see signature.ts).
 */
import type { ContactCard, MediaInfo, MessageType } from '@newton/protocol';
import type { MessageExtra } from '../../core/index.js';
import { normalizeWhatsAppNumber } from '../../core/whatsapp/phone.js';
import { isObj, type Obj, str, toFloat, trimmed } from '../json-read.js';
import { referralOf } from './lead-changes.js';
import { cloudQuote, cloudReaction } from './message-acts.js';
import { INTERACTIVE_READERS } from './parse-interactive.js';

import type {
  CloudChange,
  CloudEnvelope,
  CloudMessageItem,
  CloudParty,
  CloudStatusItem,
  ParsedCloudStatus,
} from './types.js';

/** Meta batches up to 1000 updates per webhook (§4.5); more is not a Meta body. */
const MAX_CHANGES = 1000;

export function toCount(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Epoch ms from Meta's unix-seconds string (§4.2); `fallback` when unreadable. */
export function timestampOf(raw: unknown, fallback: number): number {
  return timeOf(raw) ?? fallback;
}

/** Epoch ms of Meta's unix-seconds number or string; null when absent or unreadable. */
function timeOf(raw: unknown): number | null {
  const seconds = toCount(raw);
  return seconds !== null && seconds > 0 ? seconds * 1000 : null;
}

// ---------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------

/** Splits a webhook body into its changes; a reason when it is not a Cloud API body. */
export function parseEnvelope(
  body: unknown,
): { ok: true; envelope: CloudEnvelope } | { ok: false; reason: string } {
  if (!isObj(body)) return { ok: false, reason: 'body must be a JSON object' };
  const { entry } = body;
  if (entry === undefined) return { ok: false, reason: 'missing "entry"' };
  if (!Array.isArray(entry)) return { ok: false, reason: '"entry" must be an array' };
  const changes: CloudChange[] = [];
  for (const [i, e] of entry.entries()) {
    if (!isObj(e)) return { ok: false, reason: `"entry[${i}]" must be an object` };
    if (e.changes === undefined) continue;
    if (!Array.isArray(e.changes)) return { ok: false, reason: `"entry[${i}].changes" must be an array` };
    for (const [j, c] of e.changes.entries()) {
      const at = `entry[${i}].changes[${j}]`;
      if (!isObj(c)) return { ok: false, reason: `"${at}" must be an object` };
      const value = isObj(c.value) ? c.value : {};
      const metadata = isObj(value.metadata) ? value.metadata : {};
      changes.push({
        at,
        field: str(c.field),
        phoneNumberId: str(metadata.phone_number_id)?.slice(0, 200) ?? null,
        displayPhoneNumber: str(metadata.display_phone_number),
        entryId: str(e.id)?.slice(0, 200) ?? null,
        entryTime: timeOf(e.time),
        value,
      });
      if (changes.length > MAX_CHANGES) {
        return { ok: false, reason: `more than ${MAX_CHANGES} changes in one webhook` };
      }
    }
  }
  return { ok: true, envelope: { object: str(body.object), changes } };
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

interface Content {
  type: MessageType;
  content: string | null;
  extra: MessageExtra;
}

/** Media metadata; `provider_ref` is the media id, fetched later from the Graph API. */
function media(part: Obj, fileName: string | null = null): MediaInfo {
  return {
    mime_type: str(part.mime_type),
    size: toCount(part.file_size),
    file_name: fileName,
    seconds: null,
    provider_ref: str(part.id),
  };
}

function mediaContent(type: MessageType, part: Obj, fileName: string | null = null): Content {
  return { type, content: str(part.caption), extra: { media: media(part, fileName) } };
}

/** vCard line values escape `\`, `,`, `;` and newlines (RFC 6350 §3.4). */
function vcardText(value: string): string {
  return value.replace(/[\\,;]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}

/** A Cloud API contact card (`contacts[]` of a `contacts` message) as a vCard 3.0 text. */
function vcardOf(card: Obj, name: string | null): string {
  const lines = ['BEGIN:VCARD', 'VERSION:3.0'];
  if (name) lines.push(`FN:${vcardText(name)}`);
  const org = isObj(card.org) ? str(card.org.company) : null;
  if (org) lines.push(`ORG:${vcardText(org)}`);
  for (const p of Array.isArray(card.phones) ? card.phones.filter(isObj) : []) {
    const phone = str(p.phone);
    if (!phone) continue;
    const type = str(p.type);
    const waid = str(p.wa_id);
    const params = `${type ? `;TYPE=${vcardText(type)}` : ''}${waid ? `;waid=${vcardText(waid)}` : ''}`;
    lines.push(`TEL${params}:${vcardText(phone)}`);
  }
  for (const e of Array.isArray(card.emails) ? card.emails.filter(isObj) : []) {
    const email = str(e.email);
    if (email) lines.push(`EMAIL:${vcardText(email)}`);
  }
  lines.push('END:VCARD');
  return lines.join('\n');
}

function contactsContent(cards: unknown): Content {
  const list: ContactCard[] = (Array.isArray(cards) ? cards.filter(isObj) : []).map((card) => {
    const n = isObj(card.name) ? card.name : {};
    const name =
      trimmed(n.formatted_name) ??
      ([trimmed(n.first_name), trimmed(n.last_name)].filter(Boolean).join(' ') || null);
    return { name, vcard: vcardOf(card, name) };
  });
  const names = list.map((c) => c.name).filter((n): n is string => n !== null);
  return { type: 'contact', content: names.length ? names.join(', ') : null, extra: { contacts: list } };
}

function locationContent(part: Obj): Content {
  const name = str(part.name);
  const address = str(part.address);
  const latitude = toFloat(part.latitude);
  const longitude = toFloat(part.longitude);
  const url = str(part.url);
  const extra: MessageExtra =
    latitude !== null && longitude !== null
      ? { location: { latitude, longitude, name, address, ...(url ? { url } : {}) } }
      : {};
  return { type: 'location', content: name ?? address, extra };
}

type Reader = (part: Obj, message: Obj) => Content;

/** Readers by `messages[].type` (Meta's webhook message types). */
const READERS: Record<string, Reader> = {
  text: (p) => ({ type: 'text', content: typeof p.body === 'string' ? p.body : null, extra: {} }),
  image: (p) => mediaContent('image', p),
  video: (p) => mediaContent('video', p),
  document: (p) => mediaContent('document', p, str(p.filename)),
  audio: (p) => ({ type: p.voice === true ? 'voice' : 'audio', content: null, extra: { media: media(p) } }),
  sticker: (p) => ({ type: 'sticker', content: null, extra: { media: media(p) } }),
  location: locationContent,
  ...INTERACTIVE_READERS,
};

/** Message types that never are a customer's message to show. */
const IGNORED_TYPES = new Map([
  ['system', 'system message'],
  ['request_welcome', 'welcome request'],
  ['ephemeral', 'ephemeral message'],
]);

function readContent(type: string, message: Obj): Content {
  if (type === 'contacts') return contactsContent(message.contacts);
  const read = READERS[type];
  const part = message[type];
  // Unknown kinds (`unsupported`, `unknown`) are kept so no customer message is lost.
  if (!read || !isObj(part)) return { type: 'unsupported', content: null, extra: {} };
  return read(part, message);
}

/** Who wrote the message: `from` (wa_id) with the name from the matching `contacts[]` entry. */
export function partyOf(message: Obj, contacts: unknown): CloudParty | null {
  const from = str(message.from);
  const list = Array.isArray(contacts) ? contacts.filter(isObj) : [];
  const contact =
    list.find((c) => from !== null && c.wa_id === from) ?? (list.length === 1 ? list[0] : undefined);
  const profile = contact && isObj(contact.profile) ? contact.profile : {};
  const name = trimmed(profile.name) ?? trimmed(profile.username);
  const phone = from ? normalizeWhatsAppNumber(from) : null;
  if (phone && from) return { phone, userId: null, replyTo: from.replace(/^\+/, ''), name };
  // Usernames (§4.7): `from` may be "" and the business-scoped user id the only identity.
  const userId = str(message.from_user_id) ?? (contact ? str(contact.user_id) : null);
  return userId ? { phone: null, userId, replyTo: userId, name } : null;
}

/**
 * Reads one `messages[]` item of a `messages` change. `contacts` is the
 * change's `value.contacts`; `receivedAt` stands in for a missing timestamp.
 */
export function parseMessage(raw: unknown, contacts: unknown, receivedAt: number): CloudMessageItem {
  if (!isObj(raw)) return { kind: 'invalid', reason: 'message must be an object', providerMessageId: null };
  const id = str(raw.id);
  if (!id) return { kind: 'invalid', reason: 'message without "id"', providerMessageId: null };
  if (id.length > 512) return { kind: 'invalid', reason: '"id" is too long', providerMessageId: null };
  const type = str(raw.type);
  if (!type) return { kind: 'invalid', reason: 'message without "type"', providerMessageId: id };
  if (raw.group_id !== undefined) return { kind: 'ignored', reason: 'group chat', providerMessageId: id };
  const ignored = IGNORED_TYPES.get(type);
  if (ignored) return { kind: 'ignored', reason: ignored, providerMessageId: id };
  const party = partyOf(raw, contacts);
  if (!party) {
    return { kind: 'invalid', reason: '"from" has no usable phone number', providerMessageId: id };
  }
  const timestamp = timestampOf(raw.timestamp, receivedAt);
  // A reaction is about another message, never one of its own (message-acts.ts).
  if (type === 'reaction') return cloudReaction(raw, id, timestamp);
  const content = readContent(type, raw);

  // A message from a click-to-WhatsApp ad keeps the ad (and makes the lead's first touch).
  const referral = referralOf(raw.referral);
  if (referral) content.extra = { ...content.extra, referral };
  return {
    kind: 'message',
    message: {
      providerMessageId: id,
      party,
      ...content,
      extra: { ...content.extra, ...cloudQuote(raw) },
      timestamp,
    },
  };
}

// ---------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------

const STATUS_MAP = new Map<string, ParsedCloudStatus['status']>([
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  // A voice message was played: it has been heard, so it has been read.
  ['played', 'read'],
  ['failed', 'failed'],
]);

/** The first of a failed status's `errors[]`, as `{code, message}`. */
function errorOf(errors: unknown): ParsedCloudStatus['error'] {
  const first = Array.isArray(errors) ? errors.find(isObj) : undefined;
  if (!first) return null;
  const data = isObj(first.error_data) ? first.error_data : {};
  const code = first.code === undefined || first.code === null ? 'unknown' : String(first.code);
  const message =
    str(data.details) ?? str(first.message) ?? str(first.title) ?? 'the message could not be delivered';
  return { code: code.slice(0, 100), message: message.slice(0, 1000) };
}

/** Reads one `statuses[]` item (docs/api.md §1.8). */
export function parseStatus(raw: unknown, receivedAt: number): CloudStatusItem {
  if (!isObj(raw)) return { kind: 'invalid', reason: 'status must be an object', providerMessageId: null };
  const id = str(raw.id);
  if (!id) return { kind: 'invalid', reason: 'status without "id"', providerMessageId: null };
  const name = str(raw.status);
  const status = name ? STATUS_MAP.get(name) : undefined;
  if (!status) {
    const reason = name ? `status "${name.slice(0, 50)}" is not handled` : 'status without "status"';
    return { kind: 'ignored', reason, providerMessageId: id };
  }
  const error = status === 'failed' ? (errorOf(raw.errors) ?? { code: 'unknown', message: 'failed' }) : null;
  return {
    kind: 'status',
    status: {
      providerMessageId: id,
      status,
      timestamp: timestampOf(raw.timestamp, receivedAt),
      recipientId: str(raw.recipient_id),
      error,
    },
  };
}

/**
 * Reads Evolution API v2 webhook bodies (docs/api.md §1): the shared envelope
 * and one `messages.upsert` item. Pure: no tenant routing, no I/O.
 */
import type { ContactCard, MediaInfo, MessageStatus, MessageType } from '@newton/protocol';
import { z } from 'zod';
import type { MessageExtra } from '../../core/index.js';
import { parseJid, toLidJid, toPhoneJid } from '../../core/whatsapp/jid.js';
import { normalizeWhatsAppNumber } from '../../core/whatsapp/phone.js';
import { isObj, type Obj, str, toFloat, trimmed } from '../json-read.js';
import { reactionAct, revokeAct } from './message-acts.js';
import { INTERACTIVE_READERS } from './parse-interactive.js';
import { quoteOf } from './quotes.js';

import type { ChatParty, EvolutionEnvelope, UpsertItem } from './types.js';

// ---------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------

const EVENT_NAME = /^[a-z][a-z0-9]*(\.[a-z0-9]+)*$/;

const requiredString = (name: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `missing "${name}"` : `"${name}" must be a string`),
  });

const nullableString = (name: string) => z.string({ error: `"${name}" must be a string or null` }).nullish();

const envelopeSchema = z.object(
  {
    event: z.string({ error: '"event" must be a string' }).optional(),
    instance: requiredString('instance')
      .regex(/\S/, '"instance" is empty')
      .max(200, '"instance" is longer than 200 characters'),
    sender: nullableString('sender'),
    apikey: nullableString('apikey'),
    data: z.unknown(),
  },
  { error: 'body must be a JSON object' },
);

/**
 * Turns an event name in any of Evolution's spellings (`messages.upsert`,
 * `MESSAGES_UPSERT`, the `byEvents` URL form `messages-upsert`) into the
 * dotted lowercase form; null when it is not an event name.
 */
export function normalizeEventName(raw: string): string | null {
  const name = raw
    .trim()
    .toLowerCase()
    .replace(/[-_\s]+/g, '.');
  return name.length <= 100 && EVENT_NAME.test(name) ? name : null;
}

/**
 * Validates the envelope every Evolution webhook shares (docs/api.md §1.1).
 * `urlEvent` is the event segment of a `byEvents` URL (§1.2), used when the
 * body carries no `event`.
 */
export function parseEnvelope(
  body: unknown,
  urlEvent?: string,
): { ok: true; envelope: EvolutionEnvelope } | { ok: false; reason: string } {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid envelope' };
  }
  const { event: bodyEvent, instance, sender, apikey, data } = parsed.data;
  const rawEvent = bodyEvent ?? urlEvent;
  if (rawEvent === undefined) return { ok: false, reason: 'missing "event"' };
  const event = normalizeEventName(rawEvent);
  if (event === null) {
    const where = bodyEvent === undefined ? 'URL event' : '"event"';
    return { ok: false, reason: `${where} ${JSON.stringify(rawEvent.slice(0, 100))} is not an event name` };
  }
  if (data === undefined) return { ok: false, reason: 'missing "data"' };
  return {
    ok: true,
    envelope: { event, instance, sender: sender || null, apikey: apikey || null, data },
  };
}

// ---------------------------------------------------------------------------
// Small readers
// ---------------------------------------------------------------------------

/**
 * A non-negative integer from a number, a numeric string or a protobuf Long
 * `{low, high}` (how Baileys' uint64 fields such as `fileLength` and
 * `messageTimestamp` survive JSON serialisation).
 */
export function toCount(value: unknown): number | null {
  let n: number | null = null;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  else if (isObj(value) && typeof value.low === 'number' && typeof value.high === 'number') {
    n = value.high * 2 ** 32 + (value.low >>> 0);
  }
  return n !== null && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

// ---------------------------------------------------------------------------
// Status and time
// ---------------------------------------------------------------------------

/** Evolution's `renderStatus` names, in numeric order (docs/api.md §1.5). */
const STATUS_NAMES = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'] as const;

const STATUS_MAP = new Map<string, MessageStatus>([
  ['ERROR', 'failed'],
  ['PENDING', 'pending'],
  ['SERVER_ACK', 'sent'],
  ['DELIVERY_ACK', 'delivered'],
  ['READ', 'read'],
  ['PLAYED', 'read'],
]);

/** Maps Evolution's status; inbound messages have reached us, so they are delivered. */
function statusOf(raw: unknown, fromMe: boolean): MessageStatus {
  if (!fromMe) return 'delivered';
  const name =
    typeof raw === 'number' ? STATUS_NAMES[raw] : typeof raw === 'string' ? raw.toUpperCase() : undefined;
  return (name !== undefined && STATUS_MAP.get(name)) || 'sent';
}

/** Epoch ms from `messageTimestamp` (unix seconds); `date_time` is unreliable (§1.1). */
function timestampOf(raw: unknown, receivedAt: number): number {
  const seconds = toCount(raw);
  return seconds !== null && seconds > 0 ? seconds * 1000 : receivedAt;
}

// ---------------------------------------------------------------------------
// Addressing (docs/api.md §1.6)
// ---------------------------------------------------------------------------

export type PartyResult =
  | { kind: 'party'; party: ChatParty }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string };

const NOT_A_CHAT: Partial<Record<string, string>> = {
  group: 'group chat',
  newsletter: 'newsletter',
  status: 'status broadcast',
  broadcast: 'broadcast list',
};

/** Phone digits and E.164 from a phone JID or bare digits; null for anything else. */
function phoneFrom(value: unknown): { digits: string; phone: string } | null {
  if (typeof value !== 'string') return null;
  const jid = parseJid(value);
  if (!jid || (jid.server !== '' && jid.kind !== 'phone')) return null;
  const digits = jid.user.replace(/^\+/, '');
  const phone = normalizeWhatsAppNumber(digits);
  return phone ? { digits, phone } : null;
}

/** LID digits from a `…@lid` JID; null for anything else. */
function lidFrom(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const jid = parseJid(value);
  return jid?.kind === 'lid' ? jid.user : null;
}

/** Who the chat is with, from `key.remoteJid` and the alternative addresses Evolution adds. */
export function resolveParty(remoteJid: string, key: Obj, data: Obj): PartyResult {
  const jid = parseJid(remoteJid);
  if (!jid) return { kind: 'invalid', reason: '"key.remoteJid" is empty' };
  const skip = NOT_A_CHAT[jid.kind];
  if (skip) return { kind: 'ignored', reason: skip };
  if (jid.kind === 'phone') {
    const phone = phoneFrom(remoteJid);
    if (!phone) return { kind: 'invalid', reason: '"key.remoteJid" has no usable phone number' };
    // 2.3.1–2.3.4 rewrote remoteJid to the phone and kept the LID in previousRemoteJid.
    const lid = lidFrom(key.remoteJidAlt) ?? lidFrom(key.previousRemoteJid);
    return { kind: 'party', party: { phone: phone.phone, lid, replyTo: toPhoneJid(phone.digits) } };
  }
  if (jid.kind === 'lid') {
    // 2.3.6+ sends remoteJidAlt; 2.3.0 sent senderPn (§1.6). Often neither arrives.
    const alt = phoneFrom(key.remoteJidAlt) ?? phoneFrom(key.senderPn) ?? phoneFrom(data.senderPn);
    const replyTo = alt ? toPhoneJid(alt.digits) : toLidJid(jid.user);
    return { kind: 'party', party: { phone: alt?.phone ?? null, lid: jid.user, replyTo } };
  }
  return { kind: 'ignored', reason: `unrecognised chat address "${remoteJid.slice(0, 100)}"` };
}

// ---------------------------------------------------------------------------
// Message content
// ---------------------------------------------------------------------------

interface Content {
  type: MessageType;
  content: string | null;
  extra: MessageExtra;
}

type ContentResult = { kind: 'content'; value: Content } | { kind: 'ignored'; reason: string };

/** Containers whose `message` holds the real content (Baileys `normalizeMessageContent`). */
const WRAPPERS = [
  'ephemeralMessage',
  'viewOnceMessage',
  'viewOnceMessageV2',
  'viewOnceMessageV2Extension',
  'documentWithCaptionMessage',
] as const;

/** Kinds Evolution itself skips or reports as other events (§1.4); never a new message. */
const IGNORED_KINDS = new Map([
  ['protocolMessage', 'protocol message'],
  ['editedMessage', 'edited message'],
  ['pollUpdateMessage', 'poll update'],
]);

/** Keys Baileys/Evolution add beside the content; they say nothing about its kind. */
const METADATA_KEYS = new Set(['messageContextInfo', 'contextInfo', 'base64', 'mediaUrl', 'speechToText']);

const MAX_WRAP_DEPTH = 5;

function unwrap(message: Obj): Obj {
  let current = message;
  for (let depth = 0; depth < MAX_WRAP_DEPTH; depth++) {
    const inner = WRAPPERS.map((name) => current[name]).find(
      (wrapper): wrapper is Obj => isObj(wrapper) && isObj(wrapper.message),
    );
    if (!inner) break;
    current = inner.message as Obj;
  }
  return current;
}

function media(part: Obj, fileName: string | null = null): MediaInfo {
  return {
    mime_type: str(part.mimetype),
    size: toCount(part.fileLength),
    file_name: fileName,
    seconds: toCount(part.seconds),
    provider_ref: str(part.url) ?? str(part.directPath),
  };
}

function mediaContent(type: MessageType, part: Obj, fileName: string | null = null): Content {
  return { type, content: str(part.caption), extra: { media: media(part, fileName) } };
}

function locationContent(part: Obj): Content {
  const name = str(part.name);
  const address = str(part.address);
  const latitude = toFloat(part.degreesLatitude);
  const longitude = toFloat(part.degreesLongitude);
  const url = str(part.url);
  const extra: MessageExtra =
    latitude !== null && longitude !== null
      ? { location: { latitude, longitude, name, address, ...(url ? { url } : {}) } }
      : {};
  // liveLocationMessage has no name/address, only the sender's caption.
  return { type: 'location', content: name ?? address ?? str(part.caption), extra };
}

function card(part: Obj): ContactCard {
  return { name: trimmed(part.displayName), vcard: str(part.vcard) };
}

function contactContent(cards: ContactCard[], fallbackName: string | null): Content {
  const names = cards.map((c) => c.name).filter((n): n is string => n !== null);
  return {
    type: 'contact',
    content: names.length ? names.join(', ') : fallbackName,
    extra: { contacts: cards },
  };
}

/** Readers by content key, in the order they are tried. */
const READERS: ReadonlyArray<readonly [string, (part: Obj) => Content]> = [
  // Pre-2.2 servers keep text here; 2.2+ rewrite it to `conversation` (§1.4).
  [
    'extendedTextMessage',
    (p) => ({ type: 'text', content: typeof p.text === 'string' ? p.text : null, extra: {} }),
  ],
  ['imageMessage', (p) => mediaContent('image', p)],
  ['videoMessage', (p) => mediaContent('video', p)],
  ['documentMessage', (p) => mediaContent('document', p, str(p.fileName) ?? str(p.title))],
  [
    'audioMessage',
    (p) => ({ type: p.ptt === true ? 'voice' : 'audio', content: null, extra: { media: media(p) } }),
  ],
  ['stickerMessage', (p) => ({ type: 'sticker', content: null, extra: { media: media(p) } })],
  ['locationMessage', locationContent],
  ['liveLocationMessage', locationContent],
  ['contactMessage', (p) => contactContent([card(p)], null)],
  [
    'contactsArrayMessage',
    (p) =>
      contactContent(
        Array.isArray(p.contacts) ? p.contacts.filter(isObj).map(card) : [],
        trimmed(p.displayName),
      ),
  ],
  ...INTERACTIVE_READERS,
];

/** The type, text and extras of a `data.message` object. */
function readContent(raw: unknown): ContentResult {
  if (!isObj(raw)) return { kind: 'ignored', reason: 'no message content' };
  const message = unwrap(raw);
  for (const [name, reason] of IGNORED_KINDS) {
    if (name in message) return { kind: 'ignored', reason };
  }
  if (typeof message.conversation === 'string') {
    return { kind: 'content', value: { type: 'text', content: message.conversation, extra: {} } };
  }
  for (const [name, read] of READERS) {
    const part = message[name];
    if (isObj(part)) return { kind: 'content', value: read(part) };
  }
  const kinds = Object.keys(message).filter((k) => !METADATA_KEYS.has(k));
  if (kinds.length === 0) return { kind: 'ignored', reason: 'empty message' };
  if (kinds.every((k) => k === 'senderKeyDistributionMessage')) {
    return { kind: 'ignored', reason: 'sender key distribution only' };
  }
  // Unknown kinds (placeholders, the business's own button messages…) are kept so no customer message is lost.
  return { kind: 'content', value: { type: 'unsupported', content: null, extra: {} } };
}

// ---------------------------------------------------------------------------
// Upsert item
// ---------------------------------------------------------------------------

type KeyResult =
  | { ok: true; key: Obj; id: string; remoteJid: string; fromMe: boolean }
  | { ok: false; reason: string };

function readKey(data: Obj): KeyResult {
  const key = data.key;
  if (!isObj(key))
    return { ok: false, reason: key === undefined ? 'missing "key"' : '"key" must be an object' };
  const { id, remoteJid, fromMe } = key;
  if (id === undefined) return { ok: false, reason: 'missing "key.id"' };
  if (typeof id !== 'string') return { ok: false, reason: '"key.id" must be a string' };
  if (id.trim() === '') return { ok: false, reason: '"key.id" is empty' };
  if (remoteJid === undefined) return { ok: false, reason: 'missing "key.remoteJid"' };
  if (typeof remoteJid !== 'string') return { ok: false, reason: '"key.remoteJid" must be a string' };
  if (fromMe !== undefined && fromMe !== null && typeof fromMe !== 'boolean') {
    return { ok: false, reason: '"key.fromMe" must be a boolean' };
  }
  return { ok: true, key, id, remoteJid, fromMe: fromMe === true };
}

/**
 * Reads one `messages.upsert` (or `send.message`) data object (docs/api.md
 * §1.5–1.6). `receivedAt` (epoch ms) stands in when `messageTimestamp` is
 * absent or unreadable.
 */
export function parseUpsertItem(data: unknown, receivedAt: number): UpsertItem {
  if (!isObj(data)) return { kind: 'invalid', reason: '"data" must be an object' };
  const key = readKey(data);
  if (!key.ok) return { kind: 'invalid', reason: key.reason };
  const party = resolveParty(key.remoteJid, key.key, data);
  if (party.kind === 'invalid') return party;
  if (party.kind === 'ignored') return { ...party, providerMessageId: key.id };
  const { fromMe } = key;
  // Reactions and deletions are about another message, never messages of their own (message-acts.ts).
  const raw = isObj(data.message) ? unwrap(data.message) : null;
  const act = raw ? (reactionAct(raw, key.id, fromMe) ?? revokeAct(raw)) : null;
  if (act) return act;
  const content = readContent(data.message);
  if (content.kind === 'ignored') return { ...content, providerMessageId: key.id };
  const quote = raw ? quoteOf(data, raw, party.party) : {};
  return {
    kind: 'message',
    message: {
      providerMessageId: key.id,
      party: party.party,
      // For fromMe messages pushName is the business's own name, not the customer's.
      pushName: fromMe ? null : trimmed(data.pushName),
      direction: fromMe ? 'outbound' : 'inbound',
      sender: fromMe ? 'agent' : 'lead',
      ...content.value,
      extra: { ...content.value.extra, ...quote },
      status: statusOf(data.status, fromMe),
      timestamp: timestampOf(data.messageTimestamp, receivedAt),
    },
  };
}

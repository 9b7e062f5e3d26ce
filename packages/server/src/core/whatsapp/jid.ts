/**
 * WhatsApp JIDs (`user[:device]@server`): parsing and classification.
 * Pure string work; phone-number rules live in `phone.ts`.
 */

/** What a JID addresses (docs/api.md §1.6). */
export type JidKind = 'phone' | 'lid' | 'group' | 'newsletter' | 'status' | 'broadcast' | 'unknown';

/** A JID split into its parts. */
export interface Jid {
  /** User part without the `:device` suffix, e.g. `573001234567`. */
  user: string;
  /** Device number of a `user:device@server` JID, else null. */
  device: number | null;
  /** Server part, lowercased, e.g. `s.whatsapp.net`; `''` when the input had no `@`. */
  server: string;
  kind: JidKind;
}

const PHONE_SERVER = 's.whatsapp.net';
const LID_SERVER = 'lid';

/**
 * Splits a JID into user, device and server and classifies it.
 * Returns null when there is no user part (empty input, `@s.whatsapp.net`).
 */
export function parseJid(jid: string): Jid | null {
  const trimmed = jid.trim();
  const at = trimmed.indexOf('@');
  const userPart = at === -1 ? trimmed : trimmed.slice(0, at);
  const server = at === -1 ? '' : trimmed.slice(at + 1).toLowerCase();
  const colon = userPart.indexOf(':');
  const user = colon === -1 ? userPart : userPart.slice(0, colon);
  if (user === '') return null;
  const deviceText = colon === -1 ? '' : userPart.slice(colon + 1);
  const device = /^\d+$/.test(deviceText) ? Number(deviceText) : null;
  return { user, device, server, kind: classify(user, server) };
}

/** The kind of address a server part (and, for broadcasts, the user) denotes. */
function classify(user: string, server: string): JidKind {
  switch (server) {
    case PHONE_SERVER:
    case 'c.us':
      return 'phone';
    case LID_SERVER:
      return 'lid';
    case 'g.us':
      return 'group';
    case 'newsletter':
      return 'newsletter';
    case 'broadcast':
      return user === 'status' ? 'status' : 'broadcast';
    default:
      return 'unknown';
  }
}

/** The kind of a JID; `unknown` when it cannot be parsed. */
export function jidKind(jid: string): JidKind {
  return parseJid(jid)?.kind ?? 'unknown';
}

/** The user part without `:device`, or null when there is none. */
export function jidUser(jid: string): string | null {
  return parseJid(jid)?.user ?? null;
}

/** The JID without its `:device` suffix: `57300…:12@s.whatsapp.net` → `57300…@s.whatsapp.net`. */
export function stripDevice(jid: string): string {
  const parsed = parseJid(jid);
  if (!parsed) return jid.trim();
  return parsed.server === '' ? parsed.user : `${parsed.user}@${parsed.server}`;
}

/** True for `…@s.whatsapp.net` and `…@c.us`. */
export function isPhoneJid(jid: string): boolean {
  return jidKind(jid) === 'phone';
}

/** True for `…@lid`. */
export function isLidJid(jid: string): boolean {
  return jidKind(jid) === 'lid';
}

/** The phone JID for a number's digits: `573001234567` → `573001234567@s.whatsapp.net`. */
export function toPhoneJid(digits: string): string {
  return `${digits}@${PHONE_SERVER}`;
}

/** The LID JID for LID digits: `13718` → `13718@lid`. */
export function toLidJid(lid: string): string {
  return `${lid}@${LID_SERVER}`;
}

/**
 * WhatsApp numbers → E.164. WhatsApp JIDs carry the number as WhatsApp knows
 * it, which for a few countries differs from what the customer dials.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { parseJid } from './jid.js';

/** Brazil mobile without the 9th digit: 55 + DDD (no zeros) + 8 digits starting 6–9. */
const BR_WITHOUT_NINE = /^55([1-9]{2})([6-9]\d{7})$/;
/** Mexico mobile in WhatsApp's legacy form: 521 + 10 digits. */
const MX_WITH_ONE = /^521(\d{10})$/;

/**
 * Turns the user part of a WhatsApp JID (digits, optionally with a leading `+`)
 * into E.164 with `+`. Returns null unless it is 7–15 digits. Numbers
 * libphonenumber cannot make sense of are kept as `+digits`.
 */
export function normalizeWhatsAppNumber(digits: string): string | null {
  const raw = digits.trim().replace(/^\+/, '');
  if (!/^\d{7,15}$/.test(raw)) return null;
  const hit = known.get(raw);
  if (hit !== undefined) return hit;
  const canonical = canonicalDigits(raw);
  const parsed = parsePhoneNumberFromString(`+${canonical}`);
  // Fallback keeps the customer reachable even when metadata is stale or the number is exotic.
  const e164 = parsed?.isPossible() ? parsed.number : `+${canonical}`;
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(raw, e164);
  return e164;
}

/**
 * Numbers already normalised: libphonenumber's parse was the largest part of
 * reading an inbound webhook (#16), and a tenant's customers write again and
 * again. Cleared whole when full: a pure function's memo, so only speed varies.
 */
const known = new Map<string, string>();
const KNOWN_MAX = 10_000;

/**
 * Applies the country rules that make two WhatsApp forms of one number equal:
 * Brazil's missing 9th digit (accounts older than 2012–2016 keep the 8-digit
 * JID) and Mexico's legacy `521` prefix.
 */
function canonicalDigits(digits: string): string {
  const br = BR_WITHOUT_NINE.exec(digits);
  if (br) return `55${br[1]}9${br[2]}`;
  const mx = MX_WITH_ONE.exec(digits);
  if (mx) return `52${mx[1]}`;
  return digits;
}

/**
 * The E.164 number in a phone, digits or JID string (`+57…`, `57…`,
 * `57…@s.whatsapp.net`, `57…:12@s.whatsapp.net`); null for non-phone JIDs
 * (`@lid`, groups…) and for anything that is not a number.
 */
export function numberOf(value: string): string | null {
  const jid = parseJid(value);
  if (!jid) return null;
  if (jid.server !== '' && jid.kind !== 'phone') return null;
  return normalizeWhatsAppNumber(jid.user.replace(/[\s().-]/g, ''));
}

/** True when both values denote the same WhatsApp number after normalisation. */
export function sameNumber(a: string, b: string): boolean {
  const left = numberOf(a);
  return left !== null && left === numberOf(b);
}

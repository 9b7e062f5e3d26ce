/**
 * The rules for an instance's own number, apart from validation.ts because they need WhatsApp's
 * number rules (libphonenumber-js, ~10 ms to load): a command that only checks a tenant id, such
 * as `newton token`, then never loads them (issue #14).
 */
import { phoneDigits } from './validation.js';
import { normalizeWhatsAppNumber } from './whatsapp/phone.js';

/**
 * An Evolution instance's own number as stored: E.164 digits without `+`,
 * normalised when WhatsApp's rules know the country, as given otherwise.
 */
export function evolutionOwnNumber(value: string): string {
  const d = phoneDigits(value);
  return (normalizeWhatsAppNumber(d) ?? `+${d}`).slice(1);
}

/** A Cloud API number's own number as stored (E.164 digits without `+`), or null when it is not a valid one. */
export function cloudOwnNumber(value: string): string | null {
  return (normalizeWhatsAppNumber(phoneDigits(value)) ?? '').slice(1) || null;
}

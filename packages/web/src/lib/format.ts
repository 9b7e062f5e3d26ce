/** Dates, times and sizes for the views, in the chosen language. */
import type { Locale } from './i18n.js';

const tag = (l: Locale) => (l === 'es' ? 'es' : 'en');

/** `14:05` today, `Tue` this week, `12/11/26` before. */
export function listTime(iso: string | null, l: Locale, now = new Date()): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (sameDay(d, now)) return d.toLocaleTimeString(tag(l), { hour: '2-digit', minute: '2-digit' });
  const days = (startOfDay(now) - startOfDay(d)) / 86_400_000;
  if (days < 7) return d.toLocaleDateString(tag(l), { weekday: 'short' });
  return d.toLocaleDateString(tag(l), { day: '2-digit', month: '2-digit', year: '2-digit' });
}

export function clockTime(iso: string, l: Locale): string {
  return new Date(iso).toLocaleTimeString(tag(l), { hour: '2-digit', minute: '2-digit' });
}

export function fullTime(ms: number | string | null, l: Locale): string {
  if (ms === null) return '';
  return new Date(ms).toLocaleString(tag(l), {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
}

/** The day separator's label: today / yesterday / a date. */
export function dayLabel(iso: string, l: Locale, today: string, yesterday: string, now = new Date()): string {
  const d = new Date(iso);
  const days = Math.round((startOfDay(now) - startOfDay(d)) / 86_400_000);
  if (days === 0) return today;
  if (days === 1) return yesterday;
  return d.toLocaleDateString(tag(l), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

/** A key that is the same for two timestamps on the same local day. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function bytes(n: number | null): string {
  if (n === null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Two letters for the avatar. */
export function initials(name: string | null, phone: string | null): string {
  const src = (name ?? '').trim();
  if (src) {
    const parts = src.split(/\s+/);
    return ((parts[0]?.[0] ?? '') + (parts[1]?.[0] ?? '')).toUpperCase();
  }
  return (phone ?? '#').slice(-2);
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

function sameDay(a: Date, b: Date): boolean {
  return startOfDay(a) === startOfDay(b);
}

/** A price in its currency (`COP 2.450.000`-style per locale); the bare number when the currency is unknown. */
export function price(amount: number | null, currency: string | null, l: Locale): string {
  if (amount === null) return '';
  try {
    if (currency) return new Intl.NumberFormat(l, { style: 'currency', currency }).format(amount);
  } catch {
    // Not an ISO 4217 code: show it beside the number.
  }
  return `${new Intl.NumberFormat(l).format(amount)}${currency ? ` ${currency}` : ''}`;
}

/** A link the inbox may open: http(s) only, so a provider's `javascript:` URL never becomes clickable. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * The rules for the tenant's WhatsApp numbers and their state at the provider
 * (issue #12), pure so they are tested without a browser; the store that loads
 * and follows them is numbers.ts. An `instance_status` event replaces the
 * number with the same id (`applyStatus`). The header shows a summary
 * (`summarize`), a banner each number that needs a person (`needsBanner`,
 * `advice`). Separate from the Newton link dot (health.ts):
 * one says whether this page reaches Newton, the other whether the number
 * reaches WhatsApp.
 */
import type { InstanceStatusPayload } from '@newton/protocol';
import { readable } from 'svelte/store';
import type { Locale, MessageKey } from './i18n.js';

export type NumberStatus = InstanceStatusPayload;

/** `list` with `instance` in place of the one with the same id (or added at the end). */
export function applyStatus(list: readonly NumberStatus[], instance: NumberStatus): NumberStatus[] {
  const i = list.findIndex((n) => n.id === instance.id);
  if (i < 0) return [...list, instance];
  const next = list.slice();
  next[i] = instance;
  return next;
}

/** Never checked yet: nothing to say beyond a neutral header state. */
export function unchecked(n: NumberStatus): boolean {
  return n.state === 'unknown' && (n.reason === null || n.reason === 'not_checked');
}

/** A number that is not `open` and was checked: the banner tells since when and what to do. */
export function needsBanner(n: NumberStatus): boolean {
  return n.state !== 'open' && !unchecked(n);
}

/** The header's one word for all numbers: none, open, connecting, down, unchecked. */
export type Summary = 'none' | 'open' | 'connecting' | 'down' | 'unchecked';

export function summarize(list: readonly NumberStatus[]): Summary {
  if (list.length === 0) return 'none';
  if (list.some((n) => needsBanner(n) && n.state !== 'connecting')) return 'down';
  if (list.some((n) => n.state === 'connecting')) return 'connecting';
  if (list.some(unchecked)) return 'unchecked';
  return 'open';
}

/** One number's state word for tooltips (`wa.state.*`). */
export function stateKey(n: NumberStatus): MessageKey {
  if (unchecked(n)) return 'wa.state.not_checked';
  return `wa.state.${n.state}`;
}

/** How the banner names a number: its E.164 and instance name, or the name alone. */
export function numberLabel(n: NumberStatus): string {
  return n.number ? `${n.number} (${n.name})` : n.name;
}

const ADVICE: Record<string, MessageKey> = {
  qr_required: 'wa.do.qr_required',
  logged_out: 'wa.do.logged_out',
  replaced: 'wa.do.replaced',
  token_invalid: 'wa.do.token_invalid',
  account_restricted: 'wa.do.account_restricted',
  account_disabled: 'wa.do.account_restricted',
  account_unshared: 'wa.do.account_unshared',
  provider_unreachable: 'wa.do.provider',
  provider_timeout: 'wa.do.provider',
  provider_unauthorized: 'wa.do.provider',
};

/**
 * What to do, by the server's reason code: a sentence of ours when we know
 * the code, "reconnecting" while connecting, else the server's own `detail`.
 */
export function advice(n: NumberStatus): { key: MessageKey } | { text: string } {
  const key = n.reason ? ADVICE[n.reason] : undefined;
  if (key) return { key };
  if (n.state === 'connecting') return { key: 'wa.do.connecting' };
  if (n.detail) return { text: n.detail };
  return { key: 'wa.do.unknown' };
}

/** The banner's headline key: disconnected, reconnecting, or state unknown. */
export function headlineKey(n: NumberStatus): MessageKey {
  return n.state === 'open' ? 'wa.state.open' : `wa.banner.${n.state}`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "5 minutes ago" / "hace 5 minutos" (seconds under a minute, then the largest whole unit). */
export function ago(iso: string, now: number, l: Locale): string {
  const fmt = new Intl.RelativeTimeFormat(l, { numeric: 'auto' });
  const ms = Math.max(0, now - Date.parse(iso));
  for (const [unit, size] of UNITS) if (ms >= size) return fmt.format(-Math.floor(ms / size), unit);
  return fmt.format(-Math.floor(ms / 1000), 'second');
}

/** Epoch ms, every second while someone shows a relative time. */
export const clock = readable(Date.now(), (set) => {
  const timer = setInterval(() => set(Date.now()), 1000);
  return () => clearInterval(timer);
});

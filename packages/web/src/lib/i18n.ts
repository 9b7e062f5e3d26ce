/**
 * Spanish and English. The default follows the browser's language (Spanish for
 * any `es-*`, English otherwise); a choice in the header is remembered in
 * localStorage. `$t('key', { n: 3 })` fills `{n}`.
 */
import { derived, writable } from 'svelte/store';
import { en, type MessageKey } from './i18n/en.js';
import { es } from './i18n/es.js';

export type { MessageKey };
export type Locale = 'es' | 'en';
const DICTS: Record<Locale, Record<MessageKey, string>> = { en, es };
const KEY = 'newton.locale';

/** The browser globals this module reads (typed here so it also compiles without the DOM library). */
const env = globalThis as {
  localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  navigator?: { language?: string; languages?: readonly string[] };
};

/** The browser's preference: Spanish for any `es-*`, English otherwise. */
export function browserLocale(languages: readonly string[] | undefined): Locale {
  for (const l of languages ?? []) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'es') return 'es';
    if (base === 'en') return 'en';
  }
  return 'en';
}

function initial(): Locale {
  const saved = env.localStorage?.getItem(KEY);
  if (saved === 'es' || saved === 'en') return saved;
  const nav = env.navigator;
  return browserLocale(nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : undefined);
}

export const locale = writable<Locale>(initial());

export function setLocale(l: Locale): void {
  env.localStorage?.setItem(KEY, l);
  locale.set(l);
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `$t('conn.reconnecting', { attempt: 2, s: 4 })`. */
export const t = derived(locale, (l): Translate => {
  const dict = DICTS[l];
  return (key, vars) => {
    let text = dict[key] ?? en[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };
});

/**
 * What the Diagnostics page says of each hop, in the page's language (#14).
 * The server's hop `detail` and `hint` are English sentences for operators
 * (the same as `newton doctor`): the English page shows them as they are; in
 * another language the page builds its sentences from the hop's id, status
 * and the report's structured fields, and points at `newton doctor` for every
 * detail — so no sentence of the other language appears.
 */
import type { DiagnosticsReport, Hop, UnroutableView } from '@newton/protocol';
import type { Locale, MessageKey, Translate } from './i18n.js';

/** The language the server writes hop details and hints in. */
export const SERVER_LOCALE: Locale = 'en';

const KNOWN = ['tenant', 'instances', 'upstream', 'webhooks', 'unroutable', 'bus', 'sockets'] as const;
type KnownHop = (typeof KNOWN)[number];
const isKnown = (id: string): id is KnownHop => (KNOWN as readonly string[]).includes(id);

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The variables of a hop's sentence, from its evidence and the report. */
function vars(h: Hop, r: DiagnosticsReport): Record<string, string | number> {
  const e = h.evidence;
  switch (h.id) {
    case 'tenant':
      return { seq: num(e.last_seq) };
    case 'instances':
      return { n: r.instances.length };
    case 'webhooks': {
      const per = Array.isArray(e.per_instance) ? (e.per_instance as { count?: number }[]) : [];
      return { n: per.reduce((s, v) => s + num(v.count), 0), hours: num(e.window_hours) };
    }
    case 'unroutable':
      return { n: num(e.count) };
    case 'bus':
      return { kind: r.bus.kind, ms: Math.round(num(r.bus.round_trip_ms)), nodes: r.bus.nodes.length };
    case 'sockets':
      return { n: num(e.total), deaf: num(e.not_on_messages) };
    default:
      return {};
  }
}

export interface HopText {
  detail: string;
  hint: string | null;
}

/** The hop's detail and hint in `locale`. */
export function hopText(h: Hop, report: DiagnosticsReport, locale: Locale, t: Translate): HopText {
  if (locale === SERVER_LOCALE) return { detail: h.detail, hint: h.hint };
  const command = `newton doctor ${report.tenant_id}`;
  const more = t('diag.h.command', { command });
  if (h.status === 'skip') return { detail: t('diag.d.skip'), hint: null };
  if (!isKnown(h.id)) return { detail: t('diag.d.other'), hint: more };
  const key = `diag.d.${h.id}.${h.status}` as MessageKey;
  const detail = t(key, vars(h, report));
  // A status this page has no sentence for (t gives back the key): the generic one.
  if (detail === key) return { detail: t('diag.d.other'), hint: more };
  if (h.status === 'pass' || !h.hint) return { detail, hint: null };
  return { detail, hint: `${t(`diag.h.${h.id}` as MessageKey)}\n${more}` };
}

/** The reason column of the unroutable table: the server's reason in English, else the outcome in words. */
export function unroutableReason(u: UnroutableView, locale: Locale, t: Translate): string {
  if (locale === SERVER_LOCALE) return u.reason ?? u.outcome;
  if (u.outcome === 'unroutable') return t('diag.outcome.unroutable');
  if (u.outcome === 'rejected') return t('diag.outcome.rejected');
  return t('diag.outcome.other');
}

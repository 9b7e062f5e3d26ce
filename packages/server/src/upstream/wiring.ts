/**
 * Wiring an Evolution instance's webhook to this Newton: read what Evolution
 * has (`GET /webhook/find`), compare it with what Newton needs and, when
 * asked, set it (`POST /webhook/set`) and read it back. Idempotent: when
 * Evolution already has everything, nothing is sent. `newton instance webhook`
 * and `GET|POST /api/admin/instances/{id}/webhook` both run this.
 */
import type { Instance, WebhookCheck } from '../core/index.js';
import { type EvolutionAnswer, evolutionReason } from '../providers/index.js';
import type { UpstreamChecks } from './checks.js';
import { APPLIED_EVENTS, alreadyWired, authHeaders, desiredSettings, judgeWebhook } from './webhook-rules.js';

/** Why wiring could not be checked or done; `code` is stable. */
export class WiringError extends Error {
  constructor(
    /**
     * `public_url_missing` (apply without PUBLIC_URL), `not_evolution` (a Cloud
     * number: its webhook is set in Meta's app dashboard), `no_provider_url`
     * (the instance has no Evolution URL), `provider_failed` (Evolution could
     * not be asked or refused).
     */
    readonly code: 'public_url_missing' | 'not_evolution' | 'no_provider_url' | 'provider_failed',
    message: string,
  ) {
    super(message);
    this.name = 'WiringError';
  }
}

/** What `newton instance webhook` shows: Evolution's settings before (and after), and Newton's. */
export interface WiringReport {
  /** What Newton sets: URL (null without PUBLIC_URL), events, by-events, names of the auth headers. */
  expected: { url: string | null; events: string[]; byEvents: false; headerNames: string[] };
  before: WebhookCheck;
  /** After an apply (read back from Evolution); null when nothing was applied. */
  after: WebhookCheck | null;
  /** True when `POST /webhook/set` was sent. */
  changed: boolean;
}

export const PUBLIC_URL_FIX =
  'PUBLIC_URL is not set: Newton cannot tell Evolution where to post. Set it to the address Evolution ' +
  'reaches this Newton at (e.g. PUBLIC_URL=https://newton.example.com) and run again';

function failed(what: string, res: Exclude<EvolutionAnswer<unknown>, { ok: true }>): WiringError {
  const why = res.kind === 'http' ? evolutionReason(res.status, res.body) : `Evolution: ${res.reason}`;
  return new WiringError('provider_failed', `could not ${what}: ${why}`);
}

/**
 * Checks (and with `apply`, sets) the webhook of an Evolution instance.
 * Throws WiringError; never sends a request without PUBLIC_URL when applying.
 */
export async function wireWebhook(
  instance: Instance,
  probe: UpstreamChecks,
  opts: { apply: boolean },
): Promise<WiringReport> {
  if (instance.provider !== 'evolution') {
    throw new WiringError(
      'not_evolution',
      `${instance.name} is a Cloud API number: its webhook is set in Meta's app dashboard (callback URL <PUBLIC_URL>/webhooks/whatsapp)`,
    );
  }
  if (!instance.baseUrl) {
    throw new WiringError(
      'no_provider_url',
      `instance "${instance.name}" has no Evolution URL: newton instance update ${instance.tenantId} ${instance.name} --url EVOLUTION_URL`,
    );
  }
  const url = probe.expectedUrl;
  if (opts.apply && !url) throw new WiringError('public_url_missing', PUBLIC_URL_FIX);
  const expected = {
    url,
    events: [...APPLIED_EVENTS],
    byEvents: false as const,
    headerNames: Object.keys(authHeaders(instance)),
  };
  const found = await probe.evolution.findWebhook(instance);
  if (!found.ok) throw failed('read the webhook from Evolution', found);
  const before = judgeWebhook(found.value, url);
  if (!opts.apply || !url) return { expected, before, after: null, changed: false };
  const desired = desiredSettings(instance, url);
  if (alreadyWired(found.value, desired)) return { expected, before, after: before, changed: false };
  const set = await probe.evolution.setWebhook(instance, desired);
  if (!set.ok) throw failed('set the webhook in Evolution', set);
  const reread = await probe.evolution.findWebhook(instance);
  if (!reread.ok) throw failed('read the webhook back from Evolution', reread);
  return { expected, before, after: judgeWebhook(reread.value, url), changed: true };
}

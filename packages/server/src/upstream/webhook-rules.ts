/**
 * What Newton needs of an Evolution instance's webhook, and how settings read
 * from Evolution measure up: the URL (`<PUBLIC_URL>/webhooks/evolution`, plain
 * or in Evolution's by-events form), the events, and the auth header Newton's
 * webhook route accepts (providers/evolution/auth.ts). Pure functions: the
 * checks, `newton instance webhook` and the admin API share them.
 */
import type { Instance, WebhookCheck, WebhookProblem } from '../core/index.js';
import { redactUrl } from '../core/index.js';
import type { EvolutionWebhookRow, EvolutionWebhookSettings } from '../providers/index.js';

/** The route Evolution posts to, below PUBLIC_URL. */
export const EVOLUTION_WEBHOOK_PATH = '/webhooks/evolution';

/**
 * Events whose absence the check reports: without MESSAGES_UPSERT no message
 * arrives (blocking); without the others ticks, phone-sent messages or session
 * states are missed.
 */
export const CHECKED_EVENTS: readonly { event: string; blocking: boolean; why: string }[] = [
  { event: 'MESSAGES_UPSERT', blocking: true, why: 'no customer message reaches Newton' },
  { event: 'MESSAGES_UPDATE', blocking: false, why: 'delivery and read ticks are missed' },
  { event: 'SEND_MESSAGE', blocking: false, why: 'messages sent through Evolution are not seen' },
  { event: 'CONNECTION_UPDATE', blocking: false, why: "the number's session state is not seen" },
];

/**
 * What `newton instance webhook --apply` subscribes: the checked events, edits
 * and deletions (MESSAGES_EDITED also carries REVOKE; MESSAGES_DELETE the deleted key),
 * and the lifecycle events of the session (QR code, logout, removal). All are
 * in every Evolution v2 release's event list (EventController.events); newer
 * names such as STATUS_INSTANCE or SEND_MESSAGE_UPDATE are left out because an
 * older Evolution answers 400 to the whole request for one unknown name.
 */
export const APPLIED_EVENTS: readonly string[] = [
  'MESSAGES_UPSERT',
  'MESSAGES_UPDATE',
  'MESSAGES_EDITED',
  'MESSAGES_DELETE',
  'SEND_MESSAGE',
  'CONNECTION_UPDATE',
  'QRCODE_UPDATED',
  'LOGOUT_INSTANCE',
  'REMOVE_INSTANCE',
];

/** `<PUBLIC_URL>/webhooks/evolution`, or null without PUBLIC_URL. */
export function expectedWebhookUrl(publicUrl: string | undefined): string | null {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${EVOLUTION_WEBHOOK_PATH}` : null;
}

/** Scheme, host and path without a trailing slash; the query (`?token=`) does not matter. */
function comparable(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** True when Evolution, posting to `url` (by events or not), reaches `expected`. */
export function urlMatches(url: string | null, expected: string): boolean {
  const a = url ? comparable(url) : null;
  return a !== null && a === comparable(expected);
}

/** An empty list with the webhook enabled means every event (Evolution's `set` stores all of them). */
function subscribes(row: EvolutionWebhookRow, event: string): boolean {
  return row.events.length === 0 || row.events.includes(event);
}

/** The settings as a check reports them: the URL with any `?token=` redacted, header names only. */
export function currentOf(row: EvolutionWebhookRow): NonNullable<WebhookCheck['current']> {
  return {
    enabled: row.enabled,
    url: row.url === null ? null : redactUrl(row.url),
    events: row.events,
    byEvents: row.webhookByEvents,
    headerNames: Object.keys(row.headers),
  };
}

/**
 * Measures Evolution's webhook row (null: none set) against what Newton
 * needs. Without `expectedUrl` (no PUBLIC_URL) the URL is not judged: a
 * non-blocking `unchecked` problem says so.
 */
export function judgeWebhook(row: EvolutionWebhookRow | null, expectedUrl: string | null): WebhookCheck {
  const problems: WebhookProblem[] = [];
  const unchecked: WebhookProblem = {
    code: 'unchecked',
    detail:
      'PUBLIC_URL is not set, so the webhook URL was not checked (set it to the address Evolution reaches Newton at)',
    blocking: false,
  };
  if (row === null || row.url === null) {
    problems.push({
      code: 'not_set',
      detail: `Evolution has no webhook for this instance${expectedUrl ? `: set it to ${expectedUrl}` : ''}`,
      blocking: true,
    });
    if (!expectedUrl) problems.push(unchecked);
    return { ok: false, expectedUrl, current: row === null ? null : currentOf(row), problems };
  }
  if (!row.enabled) {
    problems.push({ code: 'disabled', detail: 'the webhook is disabled in Evolution', blocking: true });
  }
  if (!expectedUrl) problems.push(unchecked);
  else if (!urlMatches(row.url, expectedUrl)) {
    problems.push({
      code: 'wrong_url',
      detail: `Evolution posts to ${redactUrl(row.url)}, Newton expects ${expectedUrl}`,
      blocking: true,
    });
  }
  if (row.enabled) {
    for (const { event, blocking, why } of CHECKED_EVENTS) {
      if (!subscribes(row, event)) {
        problems.push({
          code: 'missing_event',
          event,
          detail: `${event} is not subscribed: ${why}`,
          blocking,
        });
      }
    }
  }
  return { ok: problems.length === 0, expectedUrl, current: currentOf(row), problems };
}

/**
 * The auth header Evolution should send so Newton's webhook route accepts it:
 * the webhook secret as a bearer token, else the instance's API key as the
 * `apikey` header (Evolution puts it in the body only with
 * AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES), else none.
 */
export function authHeaders(instance: Instance): Record<string, string> {
  if (instance.webhookSecret) return { authorization: `Bearer ${instance.webhookSecret}` };
  if (instance.apikey) return { apikey: instance.apikey };
  return {};
}

/** The `POST /webhook/set` body Newton applies. */
export function desiredSettings(instance: Instance, expectedUrl: string): EvolutionWebhookSettings {
  return {
    url: expectedUrl,
    events: [...APPLIED_EVENTS],
    headers: authHeaders(instance),
    byEvents: false,
    base64: false,
    enabled: true,
  };
}

/** True when `row` already does all `desired` asks (an apply would change nothing). */
export function alreadyWired(row: EvolutionWebhookRow | null, desired: EvolutionWebhookSettings): boolean {
  if (!row?.enabled || row.webhookBase64 || !urlMatches(row.url, desired.url)) return false;
  if (!desired.events.every((e) => subscribes(row, e))) return false;
  const have = new Map(Object.entries(row.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(desired.headers).every(([k, v]) => have.get(k.toLowerCase()) === v);
}

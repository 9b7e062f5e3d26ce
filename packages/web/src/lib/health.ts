/**
 * The connection indicator's rules, as a pure function of what the SDK and the
 * app know (docs/web.md "Connection indicator"):
 * - green: the socket is open AND a frame arrived within the last heartbeat
 *   (the server's `heartbeat_interval_ms`, plus a little slack);
 * - amber: connecting or reconnecting (attempt, next try), or open but silent
 *   for longer than a heartbeat;
 * - red: no connection for `RED_AFTER_MS` (still retrying), the browser is
 *   offline, the session expired, the token was refused, or the tenant is
 *   forbidden or unknown (the last three stop retrying);
 * - grey: stopped on purpose.
 */
import type { ConnectionState } from '@newton/client';
import type { MessageKey } from './i18n.js';

/** How long an outage is amber before it turns red (retries continue). */
export const RED_AFTER_MS = 10_000;
/** Slack over one heartbeat before an open but silent socket is no longer green. */
export const HEARD_SLACK_MS = 5_000;

export type HealthColor = 'green' | 'amber' | 'red' | 'grey';

export interface HealthInput {
  state: ConnectionState;
  now: number;
  /** When the last frame of any kind arrived (pongs included). */
  lastFrameAt: number | null;
  heartbeatMs: number;
  /** Start of the current outage (or of the first connection attempt); null while open. */
  downSince: number | null;
  /** Close reason of the socket that ended in `unauthorized` (`token_expired` → session expired). */
  authReason: string | null;
  /** The session ended elsewhere (a REST call answered 401): `expired` or `unauthorized`. */
  ended: string | null;
}

export interface Health {
  color: HealthColor;
  /** A stable name for tests and styling: open, stale, connecting, reconnecting, down, offline, expired, unauthorized, forbidden, closed. */
  kind: string;
  key: MessageKey;
  vars: Record<string, string | number>;
}

const secondsUntil = (at: number, now: number) => Math.max(0, Math.ceil((at - now) / 1000));

export function describeHealth(i: HealthInput): Health {
  const s = i.state;
  if (i.ended === 'expired') return { color: 'red', kind: 'expired', key: 'conn.expired', vars: {} };
  if (i.ended === 'unauthorized')
    return { color: 'red', kind: 'unauthorized', key: 'conn.unauthorized', vars: {} };
  const longDown = i.downSince !== null && i.now - i.downSince >= RED_AFTER_MS;
  switch (s.status) {
    case 'open': {
      const age = i.lastFrameAt === null ? 0 : i.now - i.lastFrameAt;
      if (age <= i.heartbeatMs + HEARD_SLACK_MS)
        return { color: 'green', kind: 'open', key: 'conn.open', vars: {} };
      return { color: 'amber', kind: 'stale', key: 'conn.stale', vars: { s: Math.floor(age / 1000) } };
    }
    case 'connecting':
      if (s.attempt === 0 && !longDown)
        return { color: 'amber', kind: 'connecting', key: 'conn.connecting', vars: {} };
      return {
        color: longDown ? 'red' : 'amber',
        kind: longDown ? 'down' : 'reconnecting',
        key: 'conn.reconnecting_now',
        vars: { attempt: s.attempt },
      };
    case 'reconnecting': {
      const vars = { attempt: s.attempt, s: secondsUntil(s.nextAt, i.now) };
      if (longDown) return { color: 'red', kind: 'down', key: 'conn.down', vars };
      return { color: 'amber', kind: 'reconnecting', key: 'conn.reconnecting', vars };
    }
    case 'offline':
      return { color: 'red', kind: 'offline', key: 'conn.offline', vars: {} };
    case 'unauthorized':
      if (i.authReason === 'token_expired' || s.reason === 'token_expired')
        return { color: 'red', kind: 'expired', key: 'conn.expired', vars: {} };
      return { color: 'red', kind: 'unauthorized', key: 'conn.unauthorized', vars: {} };
    case 'forbidden':
      return s.reason === 'unknown_tenant'
        ? { color: 'red', kind: 'forbidden', key: 'conn.unknown_tenant', vars: {} }
        : { color: 'red', kind: 'forbidden', key: 'conn.forbidden', vars: {} };
    default:
      return { color: 'grey', kind: 'closed', key: 'conn.closed', vars: {} };
  }
}

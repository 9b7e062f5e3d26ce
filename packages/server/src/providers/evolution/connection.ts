/**
 * Reads Evolution API v2's session webhooks into what Newton records of an
 * instance's WhatsApp session: its state, a stable reason code and a sentence
 * telling an operator what to do. Pure: no routing, no I/O.
 *
 * Shapes (Evolution `whatsapp.baileys.service.ts` `connectionUpdate` and
 * `monitor.service.ts`, the same in 2.2.3 and 2.3.x):
 * - `connection.update`: `{instance, state: open|connecting|close|refused,
 *   statusReason, wuid?, profileName?}`; `statusReason` is Baileys'
 *   DisconnectReason code (200 when none). Reconnectable closes (408, 428,
 *   440, 500, 515…) send no `close`, only the `connecting`/`open` after it;
 *   401/402/403/406 end the session and send `close`; `refused` is the QR
 *   code limit.
 * - `qrcode.updated`: `{qrcode: {instance, pairingCode, code, base64}}`, or
 *   `{message: 'QR code limit reached, please login again', statusCode: 500}`.
 * - `status.instance`: `{instance, status: 'closed', disconnectionAt (ISO),
 *   disconnectionReasonCode, disconnectionObject}`.
 * - `logout.instance`, `remove.instance`: `data` is null.
 *
 * The envelope's `date_time` is not used for `at`: Evolution writes its local
 * time with a `Z` suffix, so it is off by the server's UTC offset.
 */
import type { InstanceState } from '@newton/protocol';
import { isObj } from '../json-read.js';

/** The Evolution events that tell an instance's session state. */
export const CONNECTION_EVENTS: ReadonlySet<string> = new Set([
  'connection.update',
  'qrcode.updated',
  'logout.instance',
  'status.instance',
  'remove.instance',
]);

export type ConnectionItem =
  | {
      kind: 'state';
      state: InstanceState;
      /** Stable code (null when open, or connecting without a cause). */
      reason: string | null;
      detail: string | null;
      /** Epoch ms the payload says it happened, when it says. */
      at: number | null;
    }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * Baileys' DisconnectReason codes, with the two Evolution adds (402
 * temporary ban, 406 ban: evolution-api PR #739), as Newton's reason codes.
 */
export const DISCONNECT_REASONS: Readonly<Record<number, string>> = {
  401: 'logged_out',
  402: 'banned_temporarily',
  403: 'forbidden',
  406: 'banned',
  408: 'timed_out',
  411: 'multidevice_mismatch',
  428: 'connection_closed',
  440: 'replaced',
  500: 'bad_session',
  503: 'service_unavailable',
  515: 'restart_required',
};

/** Any other disconnect code. */
const DISCONNECTED = 'disconnected';
const QR_LIMIT = /limit/i;

/** The reason code of a Baileys disconnect code (`disconnected` for any other or none). */
export function reasonOfCode(code: number | null): string {
  return (code !== null && DISCONNECT_REASONS[code]) || DISCONNECTED;
}

const RECONNECTS = 'Evolution reconnects by itself; if it stays closed, restart the instance in Evolution';

/** What an operator reads for a reason: what happened and what to do. */
export function detailOf(reason: string | null, instance: string, code: number | null = null): string {
  const rescan = `scan a new QR code in Evolution for instance ${instance}`;
  switch (reason) {
    case 'logged_out':
      return `WhatsApp logged this number out: ${rescan}`;
    case 'banned_temporarily':
      return `WhatsApp suspended this number for a while (status 402): wait until the suspension ends, then ${rescan}`;
    case 'forbidden':
      return `WhatsApp refused this number (status 403, usually a ban or a locked account): open WhatsApp on the phone to see why, then ${rescan}`;
    case 'banned':
      return `WhatsApp banned this number (status 406): request a review in the WhatsApp app on the phone; instance ${instance} cannot connect until the ban is lifted`;
    case 'timed_out':
      return `The connection of instance ${instance} to WhatsApp timed out (status 408): ${RECONNECTS}`;
    case 'multidevice_mismatch':
      return `WhatsApp refused the linked device of instance ${instance} (status 411): log the instance out in Evolution and scan a new QR code`;
    case 'connection_closed':
      return `WhatsApp closed the connection of instance ${instance} (status 428): ${RECONNECTS}`;
    case 'replaced':
      return `Another session took over this number (status 440): make sure only one Evolution instance runs it, then restart instance ${instance} in Evolution`;
    case 'bad_session':
      return `The WhatsApp session of instance ${instance} is damaged (status 500): log the instance out in Evolution and scan a new QR code`;
    case 'service_unavailable':
      return `WhatsApp's service was unavailable to instance ${instance} (status 503): ${RECONNECTS}`;
    case 'restart_required':
      return `WhatsApp asked instance ${instance} to restart (status 515): ${RECONNECTS}`;
    case 'qr_required':
      return `WhatsApp is waiting for a phone to pair: scan the QR code in Evolution's manager for instance ${instance}`;
    case 'qr_limit':
      return `Evolution stopped offering QR codes for instance ${instance} (QR code limit reached): reconnect the instance in Evolution's manager and scan the new QR code promptly`;
    case 'instance_removed':
      return `Instance ${instance} was deleted in Evolution: create it again there and scan a QR code, or remove it from Newton (newton instance remove --provider evolution --instance ${instance})`;
    case null:
      return `Evolution is connecting instance ${instance} to WhatsApp: nothing to do unless it stays connecting; then restart the instance in Evolution's manager`;
    default: {
      const status = code !== null && code !== 200 ? ` (status ${code})` : '';
      return `Evolution closed the WhatsApp session of instance ${instance}${status}: open the instance in Evolution's manager and reconnect it`;
    }
  }
}

/** A code from a number or a numeric string; null otherwise. */
function codeOf(value: unknown): number | null {
  const n = typeof value === 'string' && /^\s*\d{1,4}\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 10_000 ? n : null;
}

/** Epoch ms of an ISO time; null when absent or unreadable. */
function timeOf(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 64) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function closed(reason: string, instance: string, code: number | null = null, at: number | null = null) {
  return { kind: 'state', state: 'close', reason, detail: detailOf(reason, instance, code), at } as const;
}

/** `connection.update`: the session opened, is connecting, closed, or was refused (QR limit). */
function connectionUpdate(data: unknown, instance: string): ConnectionItem {
  if (!isObj(data)) return { kind: 'invalid', reason: 'connection.update "data" must be an object' };
  const { state } = data;
  if (state === undefined || state === null) {
    return { kind: 'invalid', reason: 'connection.update without "data.state"' };
  }
  if (typeof state !== 'string') return { kind: 'invalid', reason: '"data.state" must be a string' };
  const code = codeOf(data.statusReason);
  switch (state) {
    case 'open':
      return { kind: 'state', state: 'open', reason: null, detail: null, at: null };
    case 'connecting': {
      const reason = code !== null && code !== 200 ? reasonOfCode(code) : null;
      return {
        kind: 'state',
        state: 'connecting',
        reason,
        detail: detailOf(reason, instance, code),
        at: null,
      };
    }
    case 'close':
      return closed(reasonOfCode(code), instance, code);
    case 'refused':
      return closed('qr_limit', instance);
    default:
      return { kind: 'ignored', reason: `connection.update state "${state.slice(0, 40)}" is not known` };
  }
}

/** `qrcode.updated`: a QR code to scan, or the QR code limit. */
function qrcodeUpdated(data: unknown, instance: string): ConnectionItem {
  if (!isObj(data)) return { kind: 'invalid', reason: 'qrcode.updated "data" must be an object' };
  const limit = !isObj(data.qrcode) && typeof data.message === 'string' && QR_LIMIT.test(data.message);
  return closed(limit ? 'qr_limit' : 'qr_required', instance);
}

/** `status.instance`: Evolution's record of a session it ended (401/402/403/406). */
function statusInstance(data: unknown, instance: string): ConnectionItem {
  if (!isObj(data)) return { kind: 'invalid', reason: 'status.instance "data" must be an object' };
  const { status } = data;
  if (typeof status !== 'string') return { kind: 'invalid', reason: 'status.instance without "data.status"' };
  if (status !== 'closed') {
    return { kind: 'ignored', reason: `status.instance "${status.slice(0, 40)}" does not change the state` };
  }
  const code = codeOf(data.disconnectionReasonCode);
  return closed(reasonOfCode(code), instance, code, timeOf(data.disconnectionAt));
}

/**
 * One session webhook of instance `instance` (its name, for the detail):
 * the state it tells, ignored (a state Newton does not know), or invalid.
 */
export function parseConnectionEvent(event: string, data: unknown, instance: string): ConnectionItem {
  switch (event) {
    case 'connection.update':
      return connectionUpdate(data, instance);
    case 'qrcode.updated':
      return qrcodeUpdated(data, instance);
    case 'status.instance':
      return statusInstance(data, instance);
    case 'logout.instance':
      return closed('logged_out', instance);
    case 'remove.instance':
      return closed('instance_removed', instance);
    default:
      return { kind: 'ignored', reason: `event ${event} is not a session event` };
  }
}

/** How a receipt names the state: `connection open`, `state close (logged_out)`. */
export function stateLabel(state: InstanceState, reason: string | null): string {
  if (state === 'open') return 'connection open';
  return reason ? `state ${state} (${reason})` : `state ${state}`;
}

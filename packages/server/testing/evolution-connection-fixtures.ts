/**
 * Builders for Evolution API v2 session webhooks, for tests only. Shapes as
 * Evolution sends them (EvolutionAPI/evolution-api, identical in 2.2.3 and
 * 2.3.x): `connectionUpdate` in
 * src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts
 * (`connection.update`, `qrcode.updated`, `status.instance`) and
 * src/api/services/monitor.service.ts (`logout.instance`, `remove.instance`
 * with `data: null`). The envelope is the one every webhook shares
 * (evolution-fixtures.ts); `sender` is absent until the session first opens.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_INSTANCE, DEFAULT_OWN_NUMBER } from './evolution-fixtures.js';

type Obj = Record<string, unknown>;

export interface SessionEnvelopeOptions {
  /** Instance name; default `newton-test`. */
  instance?: string;
  /** Own number digits (envelope `sender`); absent when not given. */
  sender?: string | null;
  apikey?: string | null;
}

/** The envelope Evolution wraps every webhook in (`sendDataWebhook`). */
function envelope(event: string, data: unknown, o: SessionEnvelopeOptions): Obj {
  const body: Obj = {
    event,
    instance: o.instance ?? DEFAULT_INSTANCE,
    data,
    destination: 'http://newton.test/webhooks/evolution',
    // Evolution's local time with a `Z` (sendDataWebhook's `localISOTime`).
    date_time: new Date().toISOString(),
    server_url: 'http://evolution.test:8080',
    apikey: o.apikey ?? null,
  };
  if (o.sender) body.sender = `${o.sender}@s.whatsapp.net`;
  return body;
}

export interface ConnectionUpdateOptions extends SessionEnvelopeOptions {
  /** Evolution sends `open`, `connecting`, `close`, and `refused` at the QR code limit. */
  state: string;
  /** Baileys' DisconnectReason code; Evolution sends 200 when there is none. @default 200 */
  statusReason?: number;
}

/**
 * `connection.update`: `{instance, state, statusReason}`, plus `wuid`,
 * `profileName` and `profilePictureUrl` when the session opens (and on `refused`).
 */
export function connectionUpdateBody(o: ConnectionUpdateOptions): Obj {
  const instance = o.instance ?? DEFAULT_INSTANCE;
  const data: Obj = { instance, state: o.state, statusReason: o.statusReason ?? 200 };
  if (o.state === 'open' || o.state === 'refused') {
    data.wuid = `${o.sender ?? DEFAULT_OWN_NUMBER}@s.whatsapp.net`;
    data.profileName = 'Loja Centro';
    data.profilePictureUrl = null;
  }
  return envelope('connection.update', data, o);
}

/**
 * `qrcode.updated`: a new QR code to scan, or with `limit` the QR code limit
 * (`{message: 'QR code limit reached, please login again', statusCode: 500}`).
 */
export function qrcodeUpdatedBody(o: SessionEnvelopeOptions & { limit?: boolean } = {}): Obj {
  const instance = o.instance ?? DEFAULT_INSTANCE;
  const data = o.limit
    ? { message: 'QR code limit reached, please login again', statusCode: 500 }
    : {
        qrcode: {
          instance,
          pairingCode: null,
          code: `2@${randomUUID().replace(/-/g, '')},ZmFrZS1rZXk=,ZmFrZS1pZA==`,
          base64:
            'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
        },
      };
  return envelope('qrcode.updated', data, o);
}

/** `logout.instance`: `data` is null (the session was logged out and is being cleaned up). */
export function logoutInstanceBody(o: SessionEnvelopeOptions = {}): Obj {
  return envelope('logout.instance', null, o);
}

/**
 * `status.instance`, sent before `connection.update` close for 401/402/403/406:
 * `{instance, status: 'closed', disconnectionAt, disconnectionReasonCode, disconnectionObject}`.
 */
export function statusInstanceBody(
  o: SessionEnvelopeOptions & { code?: number; at?: Date; status?: string } = {},
): Obj {
  const code = o.code ?? 401;
  const data = {
    instance: o.instance ?? DEFAULT_INSTANCE,
    status: o.status ?? 'closed',
    disconnectionAt: (o.at ?? new Date()).toISOString(),
    disconnectionReasonCode: code,
    disconnectionObject: JSON.stringify({
      error: { data: { tag: 'stream:error' }, isBoom: true, output: { statusCode: code } },
      date: new Date().toISOString(),
    }),
  };
  return envelope('status.instance', data, o);
}

/** `remove.instance`: `data` is null (the instance was deleted in Evolution). */
export function removeInstanceBody(o: SessionEnvelopeOptions = {}): Obj {
  return envelope('remove.instance', null, o);
}

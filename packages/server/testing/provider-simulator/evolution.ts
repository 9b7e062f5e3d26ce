/**
 * Evolution API v2 on the provider simulator (docs/api.md §1.9): `sendText`
 * and `getBase64FromMediaMessage` with Evolution's real request checks,
 * answers and error bodies; `findMessages` over the messages Evolution
 * stored (evolution-history.ts); plus builders for the webhooks Evolution
 * sends about the messages it sent (`send.message`, `messages.update`).
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_INSTANCE, DEFAULT_OWN_NUMBER, randomMessageId, upsertBody } from '../evolution-fixtures.js';
import { type EvolutionHistory, installEvolutionHistory } from './evolution-history.js';
import { checkQuoted, type EvolutionSentMedia, installEvolutionMedia } from './evolution-media.js';
import type { ProviderSimulator, SimRequest, SimResponse } from './server.js';

export const EVOLUTION_SEND_TEXT = 'evolution.sendText';
export const EVOLUTION_GET_BASE64 = 'evolution.getBase64FromMediaMessage';
export { EVOLUTION_SEND_AUDIO, EVOLUTION_SEND_MEDIA, type EvolutionSentMedia } from './evolution-media.js';

export interface EvolutionSimOptions {
  /**
   * Instance name → API key the instance accepts. An instance not listed
   * answers 404 like Evolution does. A `globalApikey` is accepted for every instance.
   */
  instances: Record<string, string>;
  globalApikey?: string;
}

/** One text Evolution "sent". */
export interface EvolutionSent {
  instance: string;
  number: string;
  text: string;
  /** `key.id` answered. */
  id: string;
  remoteJid: string;
  /** The `quoted` option as sent, when any. */
  quoted?: unknown;
}

export interface EvolutionMedia {
  mimetype: string;
  base64: string;
  fileName?: string;
  caption?: string;
  /** e.g. `imageMessage`; default from the mimetype. */
  mediaType?: string;
  /** Served once, then forgotten ("Message not found"), as Evolution does once it drops the message. */
  once?: boolean;
}

/** The state and knobs of the simulated Evolution server. */
export interface EvolutionSim {
  readonly sent: EvolutionSent[];
  /** Files sent through sendMedia / sendWhatsAppAudio (evolution-media.ts). */
  readonly sentMedia: EvolutionSentMedia[];
  /** Numbers (as given in `number`) that answer 400 `exists:false`, like an unknown WhatsApp number. */
  readonly notOnWhatsApp: Set<string>;
  /** Media by message `key.id`, for getBase64FromMediaMessage. */
  readonly media: Map<string, EvolutionMedia>;
  /** Next `key.id` values to answer (then random ones). */
  readonly nextIds: string[];
  /** The messages Evolution stored, and `findMessages` over them (evolution-history.ts). */
  readonly history: EvolutionHistory;
}

/** Evolution's error body (`src/main.ts` / `400.exception.ts`). */
export function evolutionError(status: number, message: unknown): SimResponse {
  const error =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status] ??
    'Internal Server Error';
  return { status, body: { status, error, response: { message } } };
}

/** What Evolution's createJid makes of `number` (simplified: no BR/MX/AR rules). */
function jidOf(number: string): string {
  if (/@(g\.us|s\.whatsapp\.net|lid|broadcast)$/.test(number)) return number;
  return `${number.replace(/[+()\s-]/g, '')}@s.whatsapp.net`;
}

/**
 * Evolution's guards (src/api/guards/instance.guard.ts, auth.guard.ts), simplified: no `apikey`
 * → 401; an unknown instance → 404 for a key Evolution knows; a wrong key → 401. Shared by every
 * simulated Evolution route (evolution-instance.ts too).
 */
export function guard(opts: EvolutionSimOptions, req: SimRequest): SimResponse | null {
  const instance = req.params.instance ?? '';
  const key = req.headers.apikey;
  if (!key) return evolutionError(401, 'Unauthorized');
  const expected = opts.instances[instance];
  if (expected === undefined) {
    if (key === opts.globalApikey || Object.values(opts.instances).includes(key)) {
      return evolutionError(404, [`The "${instance}" instance does not exist`]);
    }
    return evolutionError(401, 'Unauthorized');
  }
  if (key !== expected && key !== opts.globalApikey) return evolutionError(401, 'Unauthorized');
  return null;
}

/** Registers Evolution's routes on `sim`; returns what they record. */
export function installEvolution(sim: ProviderSimulator, opts: EvolutionSimOptions): EvolutionSim {
  const state: EvolutionSim = {
    sent: [],
    sentMedia: [],
    notOnWhatsApp: new Set(),
    media: new Map(),
    nextIds: [],
    history: installEvolutionHistory(sim, (req) => guard(opts, req)),
  };

  sim.route('POST', '/message/sendText/:instance', EVOLUTION_SEND_TEXT, (req) => {
    const refused = guard(opts, req);
    if (refused) return refused;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const missing = ['number', 'text'].filter((k) => typeof body[k] !== 'string');
    if (missing.length > 0) {
      return evolutionError(
        400,
        missing.map((k) => [`instance requires property "${k}"`]),
      );
    }
    const quotedProblem = checkQuoted(body.quoted);
    if (quotedProblem) return evolutionError(400, [[quotedProblem]]);
    const number = body.number as string;
    const text = body.text as string;
    const remoteJid = jidOf(number);
    if (state.notOnWhatsApp.has(number)) {
      return evolutionError(400, [{ jid: remoteJid, exists: false, number }]);
    }
    const id = state.nextIds.shift() ?? randomMessageId();
    state.sent.push({
      instance: req.params.instance ?? '',
      number,
      text,
      id,
      remoteJid,
      ...(body.quoted === undefined ? {} : { quoted: body.quoted }),
    });
    // The `prepareMessage` object, as send.message carries it (docs/api.md §1.9).
    return {
      status: 201,
      body: {
        key: { remoteJid, fromMe: true, id },
        pushName: '',
        status: 'PENDING',
        message: { conversation: text },
        contextInfo: null,
        messageType: 'conversation',
        messageTimestamp: Math.floor(Date.now() / 1000),
        instanceId: randomUUID(),
        source: 'unknown',
      },
    };
  });

  installEvolutionMedia(sim, (req) => guard(opts, req), evolutionError, state);

  sim.route('POST', '/chat/getBase64FromMediaMessage/:instance', EVOLUTION_GET_BASE64, (req) => {
    const refused = guard(opts, req);
    if (refused) return refused;
    const body = (req.body ?? {}) as { message?: { key?: { id?: unknown } } };
    const id = body.message?.key?.id;
    if (typeof id !== 'string') return evolutionError(400, [['instance requires property "message"']]);
    const media = state.media.get(id);
    if (!media) return evolutionError(400, ['Message not found']);
    if (media.once) state.media.delete(id);
    const kind = media.mimetype.split('/')[0];
    const mediaType =
      media.mediaType ??
      (kind === 'image'
        ? 'imageMessage'
        : kind === 'video'
          ? 'videoMessage'
          : kind === 'audio'
            ? 'audioMessage'
            : 'documentMessage');
    return {
      status: 201,
      body: {
        mediaType,
        fileName: media.fileName ?? null,
        caption: media.caption ?? null,
        size: { fileLength: Buffer.from(media.base64, 'base64').length, height: null, width: null },
        mimetype: media.mimetype,
        base64: media.base64,
      },
    };
  });
  return state;
}

// ---------------------------------------------------------------------------
// Webhooks Evolution sends about outgoing messages (docs/api.md §1.9)
// ---------------------------------------------------------------------------

export type EvolutionAck =
  | 'ERROR'
  | 'PENDING'
  | 'SERVER_ACK'
  | 'DELIVERY_ACK'
  | 'READ'
  | 'PLAYED'
  | 'DELETED';

export interface StatusWebhookOptions {
  instance?: string;
  /** `key.id` of the message (`keyId`). */
  keyId: string;
  /** Default `<DEFAULT_FROM>@s.whatsapp.net`. */
  remoteJid?: string;
  fromMe?: boolean;
  status: EvolutionAck;
  /** Own number digits (envelope `sender`); null leaves it out. */
  sender?: string | null;
  apikey?: string | null;
}

/** A `messages.update` webhook: flat `data`, no `key` (docs/api.md §1.9). */
export function messagesUpdateBody(o: StatusWebhookOptions): Record<string, unknown> {
  const sender = o.sender === undefined ? DEFAULT_OWN_NUMBER : o.sender;
  return {
    event: 'messages.update',
    instance: o.instance ?? DEFAULT_INSTANCE,
    data: {
      messageId: randomUUID().replace(/-/g, '').slice(0, 25),
      keyId: o.keyId,
      remoteJid: o.remoteJid ?? '573001234567@s.whatsapp.net',
      fromMe: o.fromMe ?? true,
      participant: null,
      status: o.status,
      instanceId: randomUUID(),
    },
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    ...(sender === null ? {} : { sender: `${sender}@s.whatsapp.net` }),
    server_url: 'http://evolution.test:8080',
    apikey: o.apikey ?? null,
  };
}

/**
 * A `messages.edited` webhook: Evolution sends the edit's Baileys
 * protocolMessage as `data` (`key.id` = the edited message). `wrapped` puts it
 * in an upsert-shaped object (`data.message.protocolMessage`), as some
 * versions do.
 */
export function messagesEditedBody(o: {
  keyId: string;
  text: string;
  instance?: string;
  remoteJid?: string;
  fromMe?: boolean;
  timestampMs?: number;
  wrapped?: boolean;
  sender?: string | null;
}): Record<string, unknown> {
  const sender = o.sender === undefined ? DEFAULT_OWN_NUMBER : o.sender;
  const proto = {
    key: { remoteJid: o.remoteJid ?? '573001234567@s.whatsapp.net', fromMe: o.fromMe ?? true, id: o.keyId },
    type: 'MESSAGE_EDIT',
    editedMessage: { conversation: o.text },
    timestampMs: String(o.timestampMs ?? Date.now()),
  };
  const data = o.wrapped
    ? {
        key: { remoteJid: proto.key.remoteJid, fromMe: proto.key.fromMe, id: randomUUID().slice(0, 20) },
        message: { protocolMessage: proto },
        messageType: 'protocolMessage',
      }
    : proto;
  return {
    event: 'messages.edited',
    instance: o.instance ?? DEFAULT_INSTANCE,
    data,
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    ...(sender === null ? {} : { sender: `${sender}@s.whatsapp.net` }),
    server_url: 'http://evolution.test:8080',
  };
}

/** A `send.message` webhook: what Evolution itself sent (same data as upsert, status PENDING). */
export function sendMessageBody(o: {
  instance?: string;
  keyId: string;
  /** Digits of the customer's number; or give remoteJid. */
  to?: string;
  remoteJid?: string;
  text: string;
  sender?: string | null;
  apikey?: string | null;
}): Record<string, unknown> {
  const body = upsertBody({
    ...(o.instance === undefined ? {} : { instance: o.instance }),
    ...(o.to === undefined ? {} : { from: o.to }),
    ...(o.remoteJid === undefined ? {} : { remoteJid: o.remoteJid }),
    ...(o.sender === undefined ? {} : { sender: o.sender }),
    ...(o.apikey === undefined ? {} : { apikey: o.apikey }),
    id: o.keyId,
    fromMe: true,
    text: o.text,
    status: 'PENDING',
    pushName: '',
  }) as unknown as Record<string, unknown>;
  return { ...body, event: 'send.message' };
}

/**
 * Builders for realistic Evolution API v2 webhook bodies, shaped like the
 * payloads captured from a real Evolution (docs/api.md §1.5; for tests only).
 */
import { randomBytes, randomUUID } from 'node:crypto';

type Obj = Record<string, unknown>;

/** `data.key` of a `messages.upsert` item. */
export interface UpsertKey {
  remoteJid: string;
  fromMe: boolean;
  id: string;
  [extra: string]: unknown;
}

/** `data` of a `messages.upsert` item (docs/api.md §1.5). */
export interface UpsertData {
  key: UpsertKey;
  pushName: string;
  status: string;
  message: Obj;
  messageType: string;
  messageTimestamp: number;
  instanceId: string;
  source: string;
}

/** A full `messages.upsert` webhook body (docs/api.md §1.1). */
export interface UpsertBody {
  event: 'messages.upsert';
  instance: string;
  data: UpsertData;
  destination: string;
  date_time: string;
  /** Absent before the instance first connects (§1.1). */
  sender?: string;
  server_url: string;
  apikey: string | null;
}

export interface UpsertOptions {
  /** Instance name; default `newton-test`. */
  instance?: string;
  /** Customer number, digits as WhatsApp knows them; default a Colombian mobile. */
  from?: string;
  /** Text of a plain `conversation` message; default `Hola, ¿tienen envío a Medellín?`. */
  text?: string;
  fromMe?: boolean;
  /** Message id; default a random Baileys-style id. */
  id?: string;
  pushName?: string;
  /** Own number digits (envelope `sender`); `null` leaves `sender` out. */
  sender?: string | null;
  apikey?: string | null;
  /** Replaces the whole `data.message` object (see the helpers below). */
  message?: Obj;
  /** Default: derived from `message` the way Evolution does. */
  messageType?: string;
  /** Default `<from>@s.whatsapp.net`. */
  remoteJid?: string;
  /** Merged into `data.key`, e.g. `{ remoteJidAlt: '…@lid' }`. */
  keyExtra?: Obj;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Evolution status string; default `DELIVERY_ACK` inbound, `SERVER_ACK` fromMe. */
  status?: string;
}

export const DEFAULT_INSTANCE = 'newton-test';
export const DEFAULT_FROM = '573001234567';
export const DEFAULT_OWN_NUMBER = '5511987654321';

/** A random message id like Baileys': 20 uppercase hex characters starting `3EB0`. */
export function randomMessageId(): string {
  return '3EB0' + randomBytes(8).toString('hex').toUpperCase();
}

/** Keys that sit beside the content and are not its type (Baileys `getContentType`). */
const NOT_CONTENT = new Set(['messageContextInfo', 'senderKeyDistributionMessage', 'base64', 'mediaUrl']);

/** Evolution's `messageType`: the first content key of the message. */
export function messageTypeOf(message: Obj): string {
  return Object.keys(message).find((k) => !NOT_CONTENT.has(k)) ?? 'unknown';
}

/** A full `messages.upsert` envelope with one message. */
export function upsertBody(opts: UpsertOptions = {}): UpsertBody {
  const from = opts.from ?? DEFAULT_FROM;
  const fromMe = opts.fromMe ?? false;
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const message = opts.message ?? textMessage(opts.text ?? 'Hola, ¿tienen envío a Medellín?');
  const sender = opts.sender === undefined ? DEFAULT_OWN_NUMBER : opts.sender;
  const body: UpsertBody = {
    event: 'messages.upsert',
    instance: opts.instance ?? DEFAULT_INSTANCE,
    data: {
      key: {
        remoteJid: opts.remoteJid ?? `${from}@s.whatsapp.net`,
        fromMe,
        id: opts.id ?? randomMessageId(),
        ...opts.keyExtra,
      },
      pushName: opts.pushName ?? 'María Gómez',
      status: opts.status ?? (fromMe ? 'SERVER_ACK' : 'DELIVERY_ACK'),
      message,
      messageType: opts.messageType ?? messageTypeOf(message),
      messageTimestamp: timestamp,
      instanceId: randomUUID(),
      source: 'android',
    },
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date(timestamp * 1000).toISOString(),
    server_url: 'http://evolution.test:8080',
    apikey: opts.apikey ?? null,
  };
  if (sender !== null) body.sender = `${sender}@s.whatsapp.net`;
  return body;
}

const MEDIA_COMMON = {
  fileSha256: 'u9Ur0mKz4eZl7bG0Q0Z6bq0j1+3i0kq3Xw5n3c6G5xw=',
  mediaKey: 'p0b8Y9o4m9m2R4y6dN1n7A0C5eQ8bH1tW3kV2sX6zJ0=',
  fileEncSha256: 'G5n2kQ8m1X7dW0cT4rB9yE3uA6hJ2pL5sV8oN1iZ4fM=',
  mediaKeyTimestamp: '1763771090',
};

function mediaUrl(path: string): { url: string; directPath: string } {
  const query = 'ccb=11-4&oh=01_Q5Aa&oe=6949A1B2&_nc_sid=5e03e0';
  const directPath = `/v/t62.${path}/${randomBytes(6).toString('hex')}.enc?${query}`;
  return { url: `https://mmg.whatsapp.net${directPath}&mms3=true`, directPath };
}

/** `{ conversation }`, how Evolution 2.2+ delivers every text (§1.4). */
export function textMessage(text: string): Obj {
  return { conversation: text };
}

/** An `imageMessage`, with a caption when given. */
export function imageMessage(caption?: string): Obj {
  return {
    imageMessage: {
      ...mediaUrl('7118-24'),
      mimetype: 'image/jpeg',
      ...(caption === undefined ? {} : { caption }),
      ...MEDIA_COMMON,
      fileLength: '48213',
      height: 1280,
      width: 960,
    },
    messageContextInfo: { messageSecret: 'aGVsbG8gd29ybGQgc2VjcmV0IGtleQ==' },
  };
}

/** A `videoMessage` of 14 s, with a caption when given. */
export function videoMessage(caption?: string): Obj {
  return {
    videoMessage: {
      ...mediaUrl('7161-24'),
      mimetype: 'video/mp4',
      ...(caption === undefined ? {} : { caption }),
      ...MEDIA_COMMON,
      fileLength: '1834021',
      seconds: 14,
      height: 848,
      width: 480,
    },
  };
}

/** A PDF `documentMessage`. */
export function documentMessage(fileName = 'cotizacion.pdf', caption?: string): Obj {
  return {
    documentMessage: {
      ...mediaUrl('7119-24'),
      mimetype: 'application/pdf',
      title: fileName,
      ...MEDIA_COMMON,
      fileLength: { low: 214873, high: 0, unsigned: true },
      pageCount: 2,
      fileName,
      ...(caption === undefined ? {} : { caption }),
    },
  };
}

/** An `audioMessage`; `ptt` (default true) makes it a voice note. */
export function audioMessage(ptt = true): Obj {
  return {
    audioMessage: {
      ...mediaUrl('7114-24'),
      mimetype: ptt ? 'audio/ogg; codecs=opus' : 'audio/mpeg',
      ...MEDIA_COMMON,
      fileLength: '9372',
      seconds: 6,
      ptt,
    },
  };
}

/** A `stickerMessage` (webp). */
export function stickerMessage(): Obj {
  return {
    stickerMessage: {
      ...mediaUrl('15575-24'),
      mimetype: 'image/webp',
      ...MEDIA_COMMON,
      fileLength: '22140',
      height: 512,
      width: 512,
      isAnimated: false,
    },
  };
}

/** A `locationMessage`; defaults to a point in Bogotá. */
export function locationMessage(
  latitude = 4.6533,
  longitude = -74.0836,
  name?: string,
  address?: string,
): Obj {
  return {
    locationMessage: {
      degreesLatitude: latitude,
      degreesLongitude: longitude,
      ...(name === undefined ? {} : { name }),
      ...(address === undefined ? {} : { address }),
    },
  };
}

/** A single `contactMessage` with a vCard. */
export function contactMessage(name = 'Juan Pérez', digits = '573109876543'): Obj {
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `N:;${name};;;`, `FN:${name}`];
  lines.push(`TEL;type=CELL;waid=${digits}:+${digits}`, 'END:VCARD');
  return {
    contactMessage: {
      displayName: name,
      vcard: lines.join('\n'),
    },
  };
}

/** A `reactionMessage` on `targetId`; an empty emoji removes the reaction. */
export function reactionMessage(targetId: string, emoji = '👍', targetFrom = DEFAULT_FROM): Obj {
  return {
    reactionMessage: {
      key: { remoteJid: `${targetFrom}@s.whatsapp.net`, fromMe: true, id: targetId },
      text: emoji,
      senderTimestampMs: String(Date.now()),
    },
  };
}

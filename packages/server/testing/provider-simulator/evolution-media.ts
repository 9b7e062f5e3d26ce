/**
 * Evolution API v2's media sends on the provider simulator, with the request
 * checks of EvolutionAPI/evolution-api `src/validate/message.schema.ts`
 * (mediaMessageSchema: `number` and `mediatype` required, `mediatype` one of
 * image|document|video|audio; audioMessageSchema: `number`; the DTOs
 * SendMediaDto / SendAudioDto in `src/api/dto/sendMessage.dto.ts` need
 * `media` / `audio`, a URL or base64) and the `quoted` option
 * (quotedOptionsSchema: `key.id` required). Answers the `prepareMessage`
 * object with status PENDING, as sendText does.
 */
import { randomUUID } from 'node:crypto';
import { randomMessageId } from '../evolution-fixtures.js';
import type { ProviderSimulator, SimRequest, SimResponse } from './server.js';

export const EVOLUTION_SEND_MEDIA = 'evolution.sendMedia';
export const EVOLUTION_SEND_AUDIO = 'evolution.sendWhatsAppAudio';

/** One file Evolution "sent". */
export interface EvolutionSentMedia {
  route: 'sendMedia' | 'sendWhatsAppAudio';
  instance: string;
  number: string;
  /** sendMedia's `mediatype`; `ptt` for sendWhatsAppAudio. */
  mediatype: string;
  mimetype: string | null;
  fileName: string | null;
  caption: string | null;
  /** The decoded bytes of `media` / `audio` (base64). */
  bytes: Buffer;
  quoted: unknown;
  id: string;
}

type Guard = (req: SimRequest) => SimResponse | null;
type ErrorOf = (status: number, message: unknown) => SimResponse;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `quoted` as quotedOptionsSchema takes it, or an error message. */
export function checkQuoted(quoted: unknown): string | null {
  if (quoted === undefined) return null;
  const key = (quoted as { key?: { id?: unknown; fromMe?: unknown } } | null)?.key;
  if (typeof key?.id !== 'string' || key.id === '') return 'quoted.key requires property "id"';
  if (key.fromMe !== undefined && typeof key.fromMe !== 'boolean') return 'quoted.key.fromMe must be boolean';
  return null;
}

const jidOf = (number: string) =>
  /@(g\.us|s\.whatsapp\.net|lid|broadcast)$/.test(number)
    ? number
    : `${number.replace(/\D/g, '')}@s.whatsapp.net`;

export function installEvolutionMedia(
  sim: ProviderSimulator,
  guard: Guard,
  error: ErrorOf,
  state: { sentMedia: EvolutionSentMedia[]; nextIds: string[] },
): void {
  const handle =
    (route: EvolutionSentMedia['route']) =>
    (req: SimRequest): SimResponse => {
      const refused = guard(req);
      if (refused) return refused;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const field = route === 'sendMedia' ? 'media' : 'audio';
      const required = route === 'sendMedia' ? ['number', 'mediatype'] : ['number'];
      const missing = required.filter((k) => typeof body[k] !== 'string');
      if (missing.length > 0)
        return error(
          400,
          missing.map((k) => [`instance requires property "${k}"`]),
        );
      if (
        route === 'sendMedia' &&
        !['image', 'document', 'video', 'audio'].includes(String(body.mediatype))
      ) {
        return error(400, [['instance.mediatype is not one of enum values: image,document,video,audio']]);
      }
      const media = body[field];
      if (typeof media !== 'string' || media === '')
        return error(400, [`Owned media must be a url or base64`]);
      if (!BASE64.test(media)) return error(400, ['this simulator takes base64 media only']);
      const quotedProblem = checkQuoted(body.quoted);
      if (quotedProblem) return error(400, [[quotedProblem]]);
      const number = body.number as string;
      const id = state.nextIds.shift() ?? randomMessageId();
      const mediatype = route === 'sendMedia' ? String(body.mediatype) : 'ptt';
      state.sentMedia.push({
        route,
        instance: req.params.instance ?? '',
        number,
        mediatype,
        mimetype: typeof body.mimetype === 'string' ? body.mimetype : null,
        fileName: typeof body.fileName === 'string' ? body.fileName : null,
        caption: typeof body.caption === 'string' ? body.caption : null,
        bytes: Buffer.from(media, 'base64'),
        quoted: body.quoted,
        id,
      });
      const messageType = mediatype === 'ptt' ? 'audioMessage' : `${mediatype}Message`;
      return {
        status: 201,
        body: {
          key: { remoteJid: jidOf(number), fromMe: true, id },
          pushName: '',
          status: 'PENDING',
          message: {
            [messageType]: {
              mimetype: body.mimetype ?? (mediatype === 'ptt' ? 'audio/ogg; codecs=opus' : null),
              ...(mediatype === 'ptt' ? { ptt: true } : {}),
              ...(typeof body.caption === 'string' ? { caption: body.caption } : {}),
            },
          },
          contextInfo: null,
          messageType,
          messageTimestamp: Math.floor(Date.now() / 1000),
          instanceId: randomUUID(),
          source: 'unknown',
        },
      };
    };
  sim.route('POST', '/message/sendMedia/:instance', EVOLUTION_SEND_MEDIA, handle('sendMedia'));
  sim.route(
    'POST',
    '/message/sendWhatsAppAudio/:instance',
    EVOLUTION_SEND_AUDIO,
    handle('sendWhatsAppAudio'),
  );
}

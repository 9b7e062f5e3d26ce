import {
  CHANNELS,
  type Channel,
  type ClientFrame,
  FrameErrorCode,
  type FrameErrorCodeValue,
  isChannel,
  OPT_IN_CHANNELS,
} from '@newton/protocol';

export type ParsedClientFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: FrameErrorCodeValue; message: string };

const KNOWN_TYPES = ['ping', 'subscribe', 'unsubscribe', 'resume', 'presence', 'typing'];

/** Longest `conversation_id` a `typing` frame may carry (ids are UUIDs). */
const MAX_ID = 200;

function fail(code: FrameErrorCodeValue, message: string): ParsedClientFrame {
  return { ok: false, code, message };
}

/** `channels` (array) or `channel` (string); none means every default channel (opt-in ones must be named). */
function readChannels(obj: Record<string, unknown>): Channel[] | ParsedClientFrame {
  const raw = obj.channels ?? (obj.channel !== undefined ? [obj.channel] : undefined);
  if (raw === undefined) return [...CHANNELS];
  if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'string')) {
    return fail(FrameErrorCode.INVALID_PAYLOAD, '"channels" must be an array of channel names');
  }
  const unknown = raw.filter((c) => !isChannel(c));
  if (unknown.length > 0) {
    return fail(
      FrameErrorCode.UNKNOWN_CHANNEL,
      `unknown channel ${unknown.map((c) => JSON.stringify(c)).join(', ')}; channels are ${[...CHANNELS, ...OPT_IN_CHANNELS].join(', ')}`,
    );
  }
  return [...new Set(raw as Channel[])];
}

/** Reads one text frame from a client; every failure names what was wrong. */
export function parseClientFrame(text: string): ParsedClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(FrameErrorCode.INVALID_JSON, 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(FrameErrorCode.INVALID_FRAME, 'frame must be a JSON object with a "type"');
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.type !== 'string') {
    return fail(FrameErrorCode.INVALID_FRAME, 'frame must have a string "type"');
  }
  switch (obj.type) {
    case 'ping': {
      const id = obj.id;
      if (id === undefined) return { ok: true, frame: { type: 'ping' } };
      if ((typeof id === 'string' && id.length <= 128) || (typeof id === 'number' && Number.isFinite(id))) {
        return { ok: true, frame: { type: 'ping', id } };
      }
      return fail(FrameErrorCode.INVALID_PAYLOAD, '"id" must be a number or a string of at most 128 chars');
    }
    case 'subscribe':
    case 'unsubscribe': {
      const channels = readChannels(obj);
      if (!Array.isArray(channels)) return channels;
      return { ok: true, frame: { type: obj.type, channels } };
    }
    case 'resume': {
      const since = obj.since;
      if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
        return fail(FrameErrorCode.INVALID_PAYLOAD, '"since" must be a non-negative integer seq');
      }
      return { ok: true, frame: { type: 'resume', since } };
    }
    case 'presence': {
      if (obj.state !== 'online' && obj.state !== 'away') {
        return fail(FrameErrorCode.INVALID_PAYLOAD, '"state" must be "online" or "away"');
      }
      return { ok: true, frame: { type: 'presence', state: obj.state } };
    }
    case 'typing': {
      const id = obj.conversation_id;
      if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) {
        return fail(
          FrameErrorCode.INVALID_PAYLOAD,
          `"conversation_id" must be a string of 1 to ${MAX_ID} chars`,
        );
      }
      const state = obj.state ?? 'typing';
      if (state !== 'typing' && state !== 'stopped') {
        return fail(FrameErrorCode.INVALID_PAYLOAD, '"state" must be "typing" or "stopped"');
      }
      return { ok: true, frame: { type: 'typing', conversation_id: id, state } };
    }
    default:
      return fail(
        FrameErrorCode.UNKNOWN_TYPE,
        `unknown frame type ${JSON.stringify(obj.type).slice(0, 64)}; known types are ${KNOWN_TYPES.join(', ')}`,
      );
  }
}

/** `since` from the URL: absent, or a non-negative integer. */
export function parseSinceParam(raw: string | null): number | undefined | 'invalid' {
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) return 'invalid';
  return Number(raw);
}

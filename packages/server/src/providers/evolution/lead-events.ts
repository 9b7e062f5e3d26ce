/**
 * Reads the Evolution webhooks that tell about a contact rather than carry
 * a message (#13). Pure: no routing, no I/O.
 *
 * - `contacts.update` / `contacts.upsert`: `data` is an array, or one object
 *   after each `messages.upsert`, of `{remoteJid, pushName, profilePicUrl,
 *   instanceId}` (EvolutionAPI/evolution-api
 *   `src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts`,
 *   `contactHandle` and the contact block of `messages.upsert`; docs/api.md
 *   §1.11). `pushName` is `''` after a `fromMe` message, and contact sync fills
 *   it with the JID's digits when WhatsApp gave no name: neither is a name.
 *   v1 sent `id` and `profilePictureUrl` instead.
 * - `call`: Baileys' `WACallEvent` as is (same file, `eventHandler`:
 *   `sendDataWebhook(Events.CALL, call)`): `{id, from, chatId, date, isVideo,
 *   isGroup, status, offline}` with `status` offer | ringing | timeout |
 *   reject | accept | terminate, one webhook per step of the same call `id`.
 * - the click-to-WhatsApp ad of a `messages.upsert`: `data.contextInfo`
 *   (Evolution copies the content's `contextInfo` there before rewriting
 *   `extendedTextMessage`, same file, `messages.upsert`) with Baileys'
 *   `externalAdReply` (WAProto `ContextInfo.ExternalAdReplyInfo`: title, body,
 *   mediaType, thumbnailUrl, mediaUrl, originalImageUrl, sourceType, sourceId,
 *   sourceUrl, ctwaClid; `thumbnail` holds image bytes and is never kept).
 */
import type { CallInfo, ReferralInfo } from '@newton/protocol';
import { isObj, type Obj, str, trimmed } from '../json-read.js';
import { resolveParty } from './parse.js';
import type { ChatParty } from './types.js';

export type ContactItem =
  | { kind: 'contact'; party: ChatParty; name: string | null; pictureUrl: string | null }
  | { kind: 'ignored'; reason: string };

/** Longest picture URL kept (WhatsApp's CDN URLs are a few hundred characters). */
const MAX_URL = 2048;

function pictureOf(value: unknown): string | null {
  const url = str(value);
  return url && url.length <= MAX_URL && /^https?:\/\//i.test(url) ? url : null;
}

/** One contact of a `contacts.update` / `contacts.upsert` webhook. */
export function parseContactItem(data: unknown): ContactItem {
  if (!isObj(data)) return { kind: 'ignored', reason: 'contact is not an object' };
  const jid = str(data.remoteJid) ?? str(data.id);
  if (!jid) return { kind: 'ignored', reason: 'contact without "remoteJid"' };
  const party = resolveParty(jid, {}, data);
  if (party.kind !== 'party') return { kind: 'ignored', reason: party.reason };
  const raw = trimmed(data.pushName)?.slice(0, 200) ?? null;
  const user = jid.split('@')[0]?.split(':')[0] ?? '';
  // Contact sync names an unnamed contact by its number: that is no name.
  const name = raw && raw.replace(/^\+/, '') !== user ? raw : null;
  const pictureUrl = pictureOf(data.profilePicUrl) ?? pictureOf(data.profilePictureUrl);
  return { kind: 'contact', party: party.party, name, pictureUrl };
}

export type CallItem =
  | {
      kind: 'call';
      /** The provider id the call's entry is stored under: every step of one call shares it. */
      providerMessageId: string;
      party: ChatParty;
      call: CallInfo;
      /** Epoch ms. */
      at: number;
    }
  | { kind: 'ignored'; reason: string; providerMessageId: string | null }
  | { kind: 'invalid'; reason: string; providerMessageId: string | null };

/**
 * How a call step ends the call: `timeout` and a `terminate` before any
 * `accept` are missed, `reject` rejected, `accept` answered. The first final
 * step stores the entry; later steps of the same call are duplicates.
 */
const FINAL: Record<string, CallInfo['status']> = {
  timeout: 'missed',
  terminate: 'missed',
  reject: 'rejected',
  accept: 'answered',
};

function timeOf(value: unknown, fallback: number): number {
  const at = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isFinite(at) && at > 0 ? at : fallback;
}

/** One `call` webhook's `data`. */
export function parseCallItem(data: unknown, receivedAt: number): CallItem {
  if (!isObj(data))
    return { kind: 'invalid', reason: 'call data must be an object', providerMessageId: null };
  const id = str(data.id)?.slice(0, 200) ?? null;
  if (!id) return { kind: 'invalid', reason: 'call without "id"', providerMessageId: null };
  const providerMessageId = `call:${id}`;
  const status = str(data.status);
  if (data.isGroup === true) return { kind: 'ignored', reason: 'group call', providerMessageId };
  const outcome = status ? FINAL[status] : undefined;
  if (!outcome) {
    const reason = status
      ? `call ${status.slice(0, 40)}: the entry is written when the call ends`
      : 'call without "status"';
    return { kind: 'ignored', reason, providerMessageId };
  }
  const from = str(data.from) ?? str(data.chatId);
  if (!from) return { kind: 'invalid', reason: 'call without "from"', providerMessageId };
  const party = resolveParty(from, { senderPn: (data as Obj).callerPn }, data);
  if (party.kind === 'invalid') return { kind: 'invalid', reason: party.reason, providerMessageId };
  if (party.kind === 'ignored') return { kind: 'ignored', reason: party.reason, providerMessageId };
  return {
    kind: 'call',
    providerMessageId,
    party: party.party,
    call: { status: outcome, video: data.isVideo === true },
    at: timeOf(data.date, receivedAt),
  };
}

/** WAProto `ExternalAdReplyInfo.MediaType`: 1 IMAGE, 2 VIDEO (JSON as the number or the name). */
function adMediaType(value: unknown): string | null {
  if (value === 1 || value === 'IMAGE') return 'image';
  if (value === 2 || value === 'VIDEO') return 'video';
  return null;
}

/** The ad a `messages.upsert` item came from, in the Cloud API's `referral` terms; null when none. */
export function adReferralOf(data: unknown): ReferralInfo | null {
  const context = isObj(data) && isObj(data.contextInfo) ? data.contextInfo : null;
  const ad = context && isObj(context.externalAdReply) ? context.externalAdReply : null;
  if (!ad) return null;
  const text = (v: unknown) => str(v)?.slice(0, 2048) ?? null;
  const mediaType = adMediaType(ad.mediaType);
  const referral: ReferralInfo = {
    source_url: text(ad.sourceUrl),
    source_id: text(ad.sourceId),
    source_type: text(ad.sourceType),
    headline: text(ad.title),
    body: text(ad.body),
    media_type: mediaType,
    image_url: text(ad.originalImageUrl) ?? (mediaType === 'image' ? text(ad.mediaUrl) : null),
    video_url: mediaType === 'video' ? text(ad.mediaUrl) : null,
    thumbnail_url: text(ad.thumbnailUrl),
    ctwa_clid: text(ad.ctwaClid),
  };
  // A link preview also has an externalAdReply: only one that names an ad or its click counts.
  return referral.source_id || referral.ctwa_clid || referral.source_type === 'ad' ? referral : null;
}

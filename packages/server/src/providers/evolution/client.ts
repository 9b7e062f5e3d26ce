/**
 * Sends through Evolution API v2 (docs/api.md §1.9): `POST {base url}/message/sendText/{instance}`
 * with the instance's `apikey` header and `{number, text}`; the 201 answer's
 * `key.id` is the message's provider id. One attempt per call: the outbound
 * pipeline owns timeouts and retries.
 */

import type { Instance } from '../../core/index.js';
import {
  httpSendError,
  networkSendError,
  type ProviderClient,
  ProviderSendError,
  SendErrorCode,
  type SendMediaRequest,
  type SendResult,
  type SendTarget,
  type SendTextRequest,
} from '../../core/index.js';
import { parseJid } from '../../core/whatsapp/jid.js';
import { evolutionKeyId, evolutionMediaCall, evolutionQuoted } from './send-media.js';

const MAX_REASON_CHARS = 500;

/**
 * What Evolution's `number` should be: the conversation's phone JID as digits
 * (Evolution's createJid then applies its own country rules), or the full
 * `…@lid` JID when no phone is known; digits alone would be taken for a phone
 * and fail `exists:false` (docs/api.md §1.6).
 */
export function evolutionNumber(to: SendTarget): string | null {
  const jid = to.jid ? parseJid(to.jid) : null;
  if (jid?.kind === 'phone') return jid.user;
  if (to.phone) return to.phone.replace(/^\+/, '');
  if (jid?.kind === 'lid') return `${jid.user}@lid`;
  if (to.lid) return `${to.lid}@lid`;
  return null;
}

/** Evolution's error text: `response.message` (strings, nested arrays, or `{jid, exists:false}` objects). */
export function evolutionReason(status: number, body: unknown): string {
  const flatten = (v: unknown): string[] => {
    if (v === null || v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.flatMap(flatten);
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.exists === false) return [`${String(o.number ?? o.jid ?? 'the number')} is not on WhatsApp`];
      return [JSON.stringify(o)];
    }
    return [String(v)];
  };
  const b = (body ?? {}) as Record<string, unknown>;
  const response = b.response as Record<string, unknown> | undefined;
  const parts = flatten(response?.message ?? b.message ?? b.error);
  const text = parts.length > 0 ? parts.join('; ') : `HTTP ${status}`;
  const label = typeof b.error === 'string' && parts.length > 0 ? `${b.error}: ` : '';
  const reason = `Evolution ${status} ${label}${text}`;
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
}

export class EvolutionClient implements ProviderClient {
  readonly provider = 'evolution' as const;

  sendConfigProblem(instance: Instance): string | null {
    if (!instance.baseUrl) {
      return `instance "${instance.name}" has no Evolution URL (newton instance add … --url EVOLUTION_URL)`;
    }
    if (!instance.apikey)
      return `instance "${instance.name}" has no API key (newton instance add … --apikey KEY)`;
    return null;
  }

  async sendText(req: SendTextRequest, signal: AbortSignal): Promise<SendResult> {
    const number = this.numberOf(req);
    const path = `/message/sendText/${encodeURIComponent(req.instance.name)}`;
    const quoted = req.quoted ? { quoted: evolutionQuoted(req.quoted, req.to.jid) } : {};
    const { status, body } = await evolutionCall(
      req.instance,
      path,
      { number, text: req.text, ...quoted },
      signal,
    );
    return evolutionKeyId(status, body);
  }

  /** An image, document or audio through `sendMedia`; a voice note through `sendWhatsAppAudio`. */
  async sendMedia(req: SendMediaRequest, signal: AbortSignal): Promise<SendResult> {
    const number = this.numberOf(req);
    const { path, body: payload } = evolutionMediaCall(req, number, req.to.jid);
    const { status, body } = await evolutionCall(req.instance, path, payload, signal);
    return evolutionKeyId(status, body);
  }

  /** The `number` to send to; throws a final error when the instance or the lead cannot send. */
  private numberOf(req: { instance: Instance; to: SendTarget }): string {
    const problem = this.sendConfigProblem(req.instance);
    if (problem)
      throw new ProviderSendError({
        code: SendErrorCode.SEND_NOT_CONFIGURED,
        reason: problem,
        retryable: false,
      });
    const number = evolutionNumber(req.to);
    if (!number) {
      throw new ProviderSendError({
        code: SendErrorCode.CANNOT_REPLY,
        reason: 'the lead has no address',
        retryable: false,
      });
    }
    return number;
  }
}

/**
 * One `POST {base url}{path}` to Evolution with the instance's `apikey` header
 * and a JSON body; resolves with the 2xx answer. Every failure is a
 * ProviderSendError: network or timeout (`signal` aborted) retryable, 401 the
 * refused key, any other status classified by httpSendError with Evolution's reason.
 */
export async function evolutionCall(
  instance: Instance,
  path: string,
  payload: unknown,
  signal: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  const base = (instance.baseUrl ?? '').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', apikey: instance.apikey ?? '' },
      body: JSON.stringify(payload),
      signal,
    });
  } catch (err) {
    throw networkSendError(err, signal.aborted);
  }
  let body: unknown;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : undefined;
  } catch (err) {
    if (signal.aborted) throw networkSendError(err, true);
    body = undefined;
  }
  if (!res.ok) {
    if (res.status === 401) {
      throw new ProviderSendError({
        code: SendErrorCode.PROVIDER_UNAUTHORIZED,
        reason: `Evolution 401: the instance's API key was refused`,
        retryable: false,
        status: 401,
        // Nothing goes out until the key is fixed; the session itself cannot be seen with it.
        instanceProblem: {
          state: 'unknown',
          reason: 'provider_unauthorized',
          detail: `Evolution refused the API key Newton has for instance "${instance.name}" (401): give Newton the instance's key as Evolution shows it (newton instance update ${instance.tenantId} ${instance.name} --apikey KEY)`,
        },
      });
    }
    throw httpSendError(res.status, evolutionReason(res.status, body), res.headers.get('retry-after'));
  }
  return { status: res.status, body };
}

import { timingSafeEqual } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { Instance } from '../../core/index.js';

export interface WebhookCredentials {
  /** `apikey` from the body (Evolution puts the instance token there when exposed). */
  bodyApikey: string | null;
  /** `apikey` header. */
  headerApikey: string | undefined;
  /** `?token=` in the webhook URL. */
  queryToken: string | undefined;
  /** `Authorization: Bearer …`. */
  bearer: string | undefined;
}

export type WebhookAuth = { ok: true; method: string } | { ok: false; reason: string };

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Evolution signs nothing (docs/api.md §1.3), so an instance is guarded by
 * any of: its API key (body or `apikey` header), its webhook secret as
 * `?token=`, or a bearer token (the secret itself, or an HS256 JWT signed with
 * it, as Evolution's `jwt_key` header option produces). An instance with
 * neither key nor secret is open; `newton doctor` warns about it.
 */
export async function authenticateWebhook(
  instance: Instance,
  creds: WebhookCredentials,
): Promise<WebhookAuth> {
  const { apikey, webhookSecret } = instance;
  if (!apikey && !webhookSecret) return { ok: true, method: 'none' };
  if (apikey) {
    if (creds.bodyApikey && safeEqual(creds.bodyApikey, apikey)) return { ok: true, method: 'body_apikey' };
    if (creds.headerApikey && safeEqual(creds.headerApikey, apikey)) {
      return { ok: true, method: 'header_apikey' };
    }
  }
  if (webhookSecret) {
    if (creds.queryToken && safeEqual(creds.queryToken, webhookSecret))
      return { ok: true, method: 'url_token' };
    if (creds.bearer) {
      if (safeEqual(creds.bearer, webhookSecret)) return { ok: true, method: 'bearer' };
      if (creds.bearer.split('.').length === 3) {
        try {
          await jwtVerify(creds.bearer, new TextEncoder().encode(webhookSecret), { algorithms: ['HS256'] });
          return { ok: true, method: 'bearer_jwt' };
        } catch {
          // falls through to the refusal below
        }
      }
    }
  }
  const presented = [
    creds.bodyApikey ? 'body apikey' : null,
    creds.headerApikey ? 'apikey header' : null,
    creds.queryToken ? '?token=' : null,
    creds.bearer ? 'bearer token' : null,
  ].filter(Boolean);
  if (presented.length === 0) {
    const hint = apikey
      ? 'set AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true in Evolution, or add ?token=<webhook secret> to the webhook URL'
      : 'add ?token=<webhook secret> to the webhook URL';
    return { ok: false, reason: `no credentials on the webhook (${hint})` };
  }
  return { ok: false, reason: `credentials do not match the instance (${presented.join(', ')})` };
}

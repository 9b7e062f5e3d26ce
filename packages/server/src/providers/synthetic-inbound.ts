/**
 * A synthetic inbound text message for one instance, as the HTTP request its
 * provider would send to Newton's own webhook: an Evolution `messages.upsert`
 * (authenticated with the instance's apikey and URL token) or a WhatsApp
 * Cloud API `messages` change signed with the instance's app secret
 * (`X-Hub-Signature-256`). `newton simulate` and the diagnostics probe post
 * these through the real webhook path. The request carries the instance's
 * credentials: build it on the server (or the operator's machine) only, never
 * hand it to a client.
 */
import { randomBytes } from 'node:crypto';
import type { Instance } from '../core/index.js';
import { metaJson, signBody } from './cloud/signature.js';

export interface SyntheticMessage {
  /**
   * The customer: phone digits as WhatsApp knows them (`573001112233`), or a
   * WhatsApp LID's digits (Evolution only; a Cloud number gets them as `from`).
   */
  from: { phone: string } | { lid: string };
  text: string;
  /** The customer's profile name. @default null */
  name?: string | null;
  /** The provider's message id. @default a random id shaped like the provider's */
  id?: string;
  /** Who made it, shown where the provider names its origin (e.g. `newton-probe`). */
  origin: string;
  /** Evolution's `data.source` (the device). @default 'unknown' */
  source?: string;
}

export interface SyntheticRequest {
  /** Path and query on Newton's server, e.g. `/webhooks/whatsapp`. */
  path: string;
  headers: Record<string, string>;
  /** The exact bytes to send (a Cloud signature covers them). */
  body: string;
}

export type SyntheticResult = { ok: true; request: SyntheticRequest } | { ok: false; reason: string };

/** The webhook request that delivers `m` to Newton as `inst`'s provider would. */
export function syntheticInbound(inst: Instance, m: SyntheticMessage): SyntheticResult {
  if (inst.provider === 'cloud') return cloudInbound(inst, m);
  const query = inst.webhookSecret ? `?token=${encodeURIComponent(inst.webhookSecret)}` : '';
  return {
    ok: true,
    request: {
      path: `/webhooks/evolution${query}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(evolutionUpsert(inst, m)),
    },
  };
}

/** An Evolution v2 `messages.upsert`, with the instance's apikey in the body as Evolution sends it. */
function evolutionUpsert(inst: Instance, m: SyntheticMessage): Record<string, unknown> {
  const remoteJid = 'lid' in m.from ? `${m.from.lid}@lid` : `${m.from.phone}@s.whatsapp.net`;
  return {
    event: 'messages.upsert',
    instance: inst.name,
    data: {
      key: { remoteJid, fromMe: false, id: m.id ?? randomBytes(10).toString('hex').toUpperCase() },
      pushName: m.name ?? null,
      status: 'DELIVERY_ACK',
      message: { conversation: m.text },
      messageType: 'conversation',
      messageTimestamp: Math.floor(Date.now() / 1000),
      instanceId: inst.id,
      source: m.source ?? 'unknown',
    },
    destination: m.origin,
    date_time: new Date().toISOString(),
    ...(inst.number ? { sender: `${inst.number.replace(/^\+/, '')}@s.whatsapp.net` } : {}),
    server_url: m.origin,
    apikey: inst.apikey,
  };
}

/** A Cloud API `messages` change for the number, signed as Meta signs (over Meta-escaped JSON). */
function cloudInbound(inst: Instance, m: SyntheticMessage): SyntheticResult {
  if (!inst.appSecret) {
    return { ok: false, reason: `cloud number "${inst.name}" has no app secret to sign a webhook with` };
  }
  const from = 'lid' in m.from ? m.from.lid : m.from.phone;
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: m.origin,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: inst.number?.replace(/^\+/, '') ?? '',
                phone_number_id: inst.name,
              },
              contacts: [{ profile: m.name ? { name: m.name } : {}, wa_id: from }],
              messages: [
                {
                  from,
                  id:
                    m.id ??
                    `wamid.${Buffer.from(`NEWTON${randomBytes(12).toString('hex')}`).toString('base64')}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: m.text },
                },
              ],
            },
          },
        ],
      },
    ],
  };
  const raw = metaJson(body);
  return {
    ok: true,
    request: {
      path: '/webhooks/whatsapp',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, inst.appSecret) },
      body: raw,
    },
  };
}

/**
 * Builders for WhatsApp Cloud API webhook bodies shaped like Meta's
 * (PROVIDERS.md §4), and their signing exactly as Meta does it: over the
 * bytes sent, with non-ASCII escaped as `\uXXXX` (lowercase hex). For tests only.
 */
import { randomBytes } from 'node:crypto';
import { metaJson, signBody } from '../src/providers/cloud/signature.js';

export { metaJson };

type Obj = Record<string, unknown>;

export const CLOUD_PHONE_NUMBER_ID = '106540352242922';
const CLOUD_DISPLAY_NUMBER = '15550783881';
const CLOUD_WABA_ID = '102290129340398';
const CLOUD_FROM = '573001112233';

/** A wamid like Meta's: `wamid.` + base64 of an opaque id. */
export function randomWamid(): string {
  return `wamid.${Buffer.from(`HBgL${randomBytes(18).toString('hex').toUpperCase()}`).toString('base64')}`;
}

export interface CloudMessageOptions {
  phoneNumberId?: string;
  /** Customer wa_id; default CLOUD_FROM. */
  from?: string;
  /** `contacts[].profile.name`; default `Sheena Nelson`. */
  name?: string;
  id?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** The type-specific part, e.g. `{ type: 'text', text: { body: 'hi' } }`; default a text. */
  content?: Obj;
  /** Merged into the message (e.g. `{ group_id: … }`). */
  extra?: Obj;
}

/** One `messages[]` item. */
export function cloudMessage(o: CloudMessageOptions = {}): Obj {
  return {
    from: o.from ?? CLOUD_FROM,
    id: o.id ?? randomWamid(),
    timestamp: String(o.timestamp ?? Math.floor(Date.now() / 1000)),
    ...(o.content ?? { type: 'text', text: { body: 'Does it come in another color?' } }),
    ...o.extra,
  };
}

/** `value` of a `messages` change carrying messages. */
export function messagesValue(o: CloudMessageOptions = {}, messages?: Obj[]): Obj {
  const from = o.from ?? CLOUD_FROM;
  return {
    messaging_product: 'whatsapp',
    metadata: {
      display_phone_number: CLOUD_DISPLAY_NUMBER,
      phone_number_id: o.phoneNumberId ?? CLOUD_PHONE_NUMBER_ID,
    },
    contacts: [{ profile: { name: o.name ?? 'Sheena Nelson' }, wa_id: from }],
    messages: messages ?? [cloudMessage(o)],
  };
}

/** `value` of a `messages` change carrying statuses. */
export function statusesValue(phoneNumberId: string, statuses: Obj[]): Obj {
  return {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: CLOUD_DISPLAY_NUMBER, phone_number_id: phoneNumberId },
    statuses,
  };
}

/** One `statuses[]` item (§4.3); `errors` for failed ones. */
export function cloudStatus(o: {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  recipient?: string;
  timestamp?: number;
  errors?: Obj[];
}): Obj {
  return {
    id: o.id,
    status: o.status,
    timestamp: String(o.timestamp ?? Math.floor(Date.now() / 1000)),
    recipient_id: o.recipient ?? CLOUD_FROM,
    ...(o.status === 'failed'
      ? { errors: o.errors ?? [] }
      : {
          pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'service' },
        }),
  };
}

/** A full webhook body with one entry per value. */
export function cloudBody(...values: Obj[]): Obj {
  return {
    object: 'whatsapp_business_account',
    entry: values.map((value) => ({ id: CLOUD_WABA_ID, changes: [{ value, field: 'messages' }] })),
  };
}

/** Headers of a webhook signed with `appSecret` over exactly `raw`. */
export function signedHeaders(raw: string, appSecret: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': signBody(Buffer.from(raw), appSecret) };
}

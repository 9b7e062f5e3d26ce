/**
 * Builders for WhatsApp Cloud API webhook bodies shaped like Meta's
 * (docs/api.md §1.8), and their signing exactly as Meta does it: over the
 * bytes sent, with non-ASCII escaped as `\uXXXX` (lowercase hex). For tests only.
 */
import { randomBytes } from 'node:crypto';
import { metaJson, signBody } from '../src/providers/cloud/signature.js';

export { metaJson };

type Obj = Record<string, unknown>;

export const CLOUD_PHONE_NUMBER_ID = '106540352242922';
export const CLOUD_DISPLAY_NUMBER = '15550783881';
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

/** An account-level webhook body: one entry for the WABA with one change of `field`. */
function accountBody(field: string, value: Obj, wabaId: string): Obj {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, time: Math.floor(Date.now() / 1000), changes: [{ value, field }] }],
  };
}

/**
 * An `account_update` webhook (Meta, developers.facebook.com/documentation/
 * business-messaging/whatsapp/webhooks/reference/account_update/): `value.event`
 * with its part, e.g. `ban_info` for DISABLED_UPDATE, `violation_info` for
 * ACCOUNT_VIOLATION, `restriction_info` for ACCOUNT_RESTRICTION. `phone_number`
 * on VIOLATION/RESTRICTION is shown by vendor copies of the page (8x8's
 * "WhatsApp Account Update Webhook"), not on Meta's page: pass `phoneNumber`.
 */
export function accountUpdateBody(o: {
  event: string;
  phoneNumber?: string;
  wabaId?: string;
  /** Merged into `value`, e.g. `{ ban_info: { waba_ban_state: 'DISABLE', waba_ban_date: 'May 28, 2025' } }`. */
  extra?: Obj;
}): Obj {
  const value: Obj = { event: o.event, ...o.extra };
  if (o.phoneNumber !== undefined) value.phone_number = o.phoneNumber;
  return accountBody('account_update', value, o.wabaId ?? CLOUD_WABA_ID);
}

/**
 * A `phone_number_quality_update` webhook (Meta, …/webhooks/reference/
 * phone_number_quality_update): `display_phone_number`, `event` (FLAGGED,
 * UNFLAGGED, DOWNGRADE, UPGRADE, ONBOARDING, THROUGHPUT_UPGRADE) and the
 * messaging limit.
 */
export function qualityUpdateBody(o: {
  event: string;
  displayPhoneNumber?: string;
  limit?: string;
  wabaId?: string;
}): Obj {
  return accountBody(
    'phone_number_quality_update',
    {
      display_phone_number: o.displayPhoneNumber ?? CLOUD_DISPLAY_NUMBER,
      event: o.event,
      max_daily_conversations_per_business: o.limit ?? 'TIER_2K',
    },
    o.wabaId ?? CLOUD_WABA_ID,
  );
}

/**
 * WhatsApp Cloud API calls: `field: "calls"` changes of the Calling API.
 * `value.calls[]` items `{id: "wacid.…", from, to, event, direction,
 * timestamp}`; `event: "terminate"` adds `status` (COMPLETED | FAILED) and,
 * for a call that was picked up, `start_time`, `end_time`, `duration`;
 * `value.contacts[]` names the caller. A business-placed call also gets
 * `value.statuses[]` of `type: "call"` (RINGING, ACCEPTED, REJECTED).
 */
import { randomBytes } from 'node:crypto';

export const source =
  'Meta, Calling API reference (Call connect / Call terminate webhooks): developers.facebook.com/documentation/business-messaging/whatsapp/calling/reference/ and the examples of .../calling/user-initiated-calls/ and .../calling/business-initiated-calls/';

/** The business number the corpus's Cloud bodies name (testing/corpus-pair.ts). */
const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };

/** A call id shaped like Meta's: `wacid.` + base64url. */
export function callId(): string {
  return `wacid.${randomBytes(24).toString('base64url')}`;
}

type Step = { event: 'connect' } | { event: 'terminate'; status: 'COMPLETED' | 'FAILED'; duration?: number };

function change(value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ value, field: 'calls' }] }],
  };
}

/** One step of a call a customer (`from`, wa_id digits) placed to the business, or (`business`) the reverse. */
export function body(o: { id: string; from: string; name?: string; business?: boolean } & Step) {
  const at = Math.floor(Date.now() / 1000);
  const [from, to] = o.business
    ? [METADATA.display_phone_number, o.from]
    : [o.from, METADATA.display_phone_number];
  const call: Record<string, unknown> = {
    id: o.id,
    to,
    from,
    event: o.event,
    timestamp: String(at),
    direction: o.business ? 'BUSINESS_INITIATED' : 'USER_INITIATED',
  };
  if (o.event === 'connect') call.session = { sdp_type: 'offer', sdp: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n' };
  if (o.event === 'terminate') {
    call.status = o.status;
    if (o.duration !== undefined) {
      Object.assign(call, {
        start_time: String(at - o.duration),
        end_time: String(at),
        duration: o.duration,
      });
    }
  }
  return change({
    messaging_product: 'whatsapp',
    metadata: METADATA,
    ...(o.business ? {} : { contacts: [{ profile: { name: o.name ?? 'Lucía Gómez' }, wa_id: o.from }] }),
    calls: [call],
  });
}

/** The status of a call the business placed, ringing the customer. */
export function ringing(o: { id: string; to: string }) {
  return change({
    messaging_product: 'whatsapp',
    metadata: METADATA,
    statuses: [
      {
        id: o.id,
        timestamp: String(Math.floor(Date.now() / 1000)),
        type: 'call',
        status: 'RINGING',
        recipient_id: o.to,
      },
    ],
  });
}

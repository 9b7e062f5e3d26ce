/**
 * Calls to a Cloud API number become a `call` entry in the customer's
 * thread, as Evolution's `call` webhooks do (issue #13, "calls become a
 * `call` entry in the thread (missed / answered)").
 *
 * Meta's Calling API posts them as changes with `field: "calls"`
 * (developers.facebook.com/documentation/business-messaging/whatsapp/calling/reference,
 * "Call connect webhook" and "Call terminate webhook"; the examples of
 * .../calling/user-initiated-calls and .../calling/business-initiated-calls):
 * `value.calls[]` items `{id: "wacid.…", from, to, event: "connect" |
 * "terminate", direction: "USER_INITIATED" | "BUSINESS_INITIATED",
 * timestamp}` (unix seconds, as a string); a `terminate` adds `status`
 * (`COMPLETED` or `FAILED`) and, for a call that was picked up,
 * `start_time`, `end_time` and `duration` (seconds). `value.contacts[]`
 * names the caller like a message's. Calls the business places also get
 * `value.statuses[]` of `type: "call"` (RINGING, ACCEPTED, REJECTED).
 *
 * One entry per call, written at its `terminate`: answered when it lasted
 * (`duration` > 0), else missed. Its provider id is `call:<wacid>`, so a
 * redelivered terminate is a duplicate. `connect` (the call is ringing) and
 * calls the business placed change nothing. Pure.
 */
import { isObj, str } from '../json-read.js';
import { partyOf, timestampOf, toCount } from './parse.js';
import type { CloudMessageItem } from './types.js';

/** The change field Meta posts calls under. */
export const CALLS_FIELD = 'calls';

/** One `value.calls[]` item of a `calls` change; `contacts` is the change's `value.contacts`. */
export function parseCall(raw: unknown, contacts: unknown, receivedAt: number): CloudMessageItem {
  if (!isObj(raw)) return { kind: 'invalid', reason: 'call must be an object', providerMessageId: null };
  const id = str(raw.id);
  if (!id) return { kind: 'invalid', reason: 'call without "id"', providerMessageId: null };
  if (id.length > 512) return { kind: 'invalid', reason: 'call "id" is too long', providerMessageId: null };
  const providerMessageId = `call:${id}`;
  const event = str(raw.event);
  if (event !== 'terminate') {
    const reason = event
      ? `call ${event.slice(0, 40)}: the entry is written when the call ends`
      : 'call without "event"';
    return { kind: 'ignored', reason, providerMessageId };
  }
  if (str(raw.direction) === 'BUSINESS_INITIATED') {
    return { kind: 'ignored', reason: 'a call placed by the business', providerMessageId };
  }
  const party = partyOf(raw, contacts);
  if (!party) return { kind: 'invalid', reason: 'call "from" has no usable phone number', providerMessageId };
  const duration = toCount(raw.duration);
  const answered = duration !== null && duration > 0;
  return {
    kind: 'message',
    message: {
      providerMessageId,
      party,
      type: 'call',
      content: null,
      // Meta's calls are voice calls.
      extra: {
        call: {
          status: answered ? 'answered' : 'missed',
          video: false,
          duration: answered ? duration : null,
        },
      },
      timestamp: timestampOf(raw.start_time ?? raw.timestamp, receivedAt),
    },
  };
}

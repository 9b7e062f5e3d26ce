/**
 * What the WhatsApp Cloud API says about a number's account, as the state
 * Newton shows of the number (#12):
 * - `account_update` webhooks (Meta, developers.facebook.com/documentation/
 *   business-messaging/whatsapp/webhooks/reference/account_update/): a
 *   disabled, deleted, restricted or violating WhatsApp Business Account (WABA)
 *   closes its numbers, and so does one no longer shared with the partner
 *   (PARTNER_REMOVED, ACCOUNT_OFFBOARDED);
 * - `phone_number_quality_update` webhooks (same place,
 *   …/reference/phone_number_quality_update): a FLAGGED or RESTRICTED number
 *   keeps its state and gets a note;
 * - Graph errors of a send that say the token or the account is unusable
 *   (Meta "Handling Errors" and the WhatsApp Cloud API error codes page):
 *   190 (token expired or invalid), 10 / 200 (permission), 131031 (account locked).
 * Both webhooks name the WABA (`entry[].id`) and, where Meta gives one, the
 * number (`display_phone_number`; `phone_number` on ACCOUNT_VIOLATION and
 * ACCOUNT_RESTRICTION): Newton finds the instances by that number, else by
 * the WABA (account-webhook.ts).
 */
import type {
  Instance,
  InstanceProblem,
  InstanceStateChange,
  InstanceStateSink,
  ReceiptOutcome,
} from '../../core/index.js';
import { numberOf } from '../../core/whatsapp/phone.js';
import { isObj, type Obj, str } from '../json-read.js';
import { NOTICE_FIELDS, parseNotice } from './account-notices.js';
import type { GraphError } from './graph.js';
import type { CloudChange } from './types.js';

/** The `changes[].field`s of account webhooks (account-notices.ts reads all but the first two). */
export const ACCOUNT_FIELDS: ReadonlySet<string> = new Set([
  'account_update',
  'phone_number_quality_update',
  ...NOTICE_FIELDS,
]);

/** Every quality note starts so: a later UNFLAGGED clears only such a note. */
const QUALITY_NOTE = 'Message quality: ';
const QUALITY_RESTRICTIONS = new Set(['FLAGGED', 'RESTRICTED']);
const MANAGER = 'WhatsApp Manager (Business Support Home)';

export type AccountItem =
  | {
      kind: 'close';
      event: string;
      reason: 'account_restricted' | 'account_disabled' | 'account_unshared';
      detail: string;
    }
  /** A quality update: `note` for a restriction, null when it lifts or is not one. */
  | { kind: 'quality'; event: string; note: string | null }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string };

export function isAccountChange(change: CloudChange): boolean {
  return change.field !== null && ACCOUNT_FIELDS.has(change.field);
}

/** The numbers an account change names, in the forms instance numbers are stored in (digits). */
export function accountNumbers(change: CloudChange): string[] {
  const raws = [
    str(change.value.display_phone_number),
    str(change.value.phone_number),
    change.displayPhoneNumber,
  ];
  const out = new Set<string>();
  for (const raw of raws) {
    const digits = raw?.replace(/\D/g, '').slice(0, 20);
    if (!digits) continue;
    out.add(digits);
    const canonical = numberOf(digits);
    if (canonical) out.add(canonical.slice(1));
  }
  return [...out];
}

/** `TYPE until 2024-01-01` for each restriction Meta lists. */
function restrictionsOf(value: Obj): string {
  const raw = value.restriction_info ?? value.restrictions;
  const list = (Array.isArray(raw) ? raw : [raw]).filter(isObj).slice(0, 5);
  return list
    .map((r) => {
      const type = str(r.restriction_type)?.slice(0, 80) ?? 'restriction';
      const until = str(r.expiration)?.slice(0, 40);
      return until ? `${type} until ${until}` : type;
    })
    .join(', ');
}

/** One `account_update` change; `label` names the number in sentences. */
function accountUpdate(value: Obj, event: string, label: string): AccountItem {
  switch (event) {
    case 'DISABLED_UPDATE': {
      const ban = isObj(value.ban_info) ? value.ban_info : {};
      const state = str(ban.waba_ban_state)?.slice(0, 40) ?? 'DISABLE';
      if (state !== 'DISABLE') {
        return {
          kind: 'ignored',
          reason: `account_update DISABLED_UPDATE ${state} does not close the number`,
        };
      }
      const date = str(ban.waba_ban_date)?.slice(0, 40);
      const when = date ? ` on ${date}` : '';
      const detail = `Meta disabled the WhatsApp Business Account of ${label}${when}: appeal in ${MANAGER}; the number cannot send until Meta reinstates the account`;
      return { kind: 'close', event, reason: 'account_disabled', detail };
    }
    case 'ACCOUNT_DELETED': {
      const detail = `Meta deleted the WhatsApp Business Account of ${label}: move the number to a live account, then add it to Newton again`;
      return { kind: 'close', event, reason: 'account_disabled', detail };
    }
    case 'ACCOUNT_RESTRICTION': {
      const what = restrictionsOf(value);
      const detail = `Meta restricted the WhatsApp Business Account of ${label}${what ? ` (${what})` : ''}: read the notice in ${MANAGER}; sending is limited until the restriction ends`;
      return { kind: 'close', event, reason: 'account_restricted', detail };
    }
    case 'ACCOUNT_VIOLATION': {
      const info = isObj(value.violation_info) ? value.violation_info : {};
      const type = str(info.violation_type)?.slice(0, 80);
      const detail = `Meta found a policy violation on the WhatsApp Business Account of ${label}${type ? ` (${type})` : ''}: review it in ${MANAGER} and appeal or fix it; sending may be limited`;
      return { kind: 'close', event, reason: 'account_restricted', detail };
    }
    case 'PARTNER_REMOVED':
    case 'ACCOUNT_OFFBOARDED': {
      // The account left the Solution Partner whose app's token Newton sends with: nothing goes out any more.
      const detail = `The WhatsApp Business Account of ${label} is no longer shared with the app whose token Newton uses (${event}): share it again (Embedded Signup), or give Newton a token of the account's own System User`;
      return { kind: 'close', event, reason: 'account_unshared', detail };
    }
    default:
      return { kind: 'ignored', reason: `account_update ${event} does not change the number's state` };
  }
}

/** One `phone_number_quality_update` change. */
function qualityUpdate(value: Obj, event: string, label: string): AccountItem {
  if (!QUALITY_RESTRICTIONS.has(event)) return { kind: 'quality', event, note: null };
  const limit = str(value.max_daily_conversations_per_business) ?? str(value.current_limit);
  const verb = event === 'FLAGGED' ? 'flagged' : 'restricted';
  const note = `${QUALITY_NOTE}Meta ${verb} ${label} for low quality${limit ? ` (limit ${limit.slice(0, 40)})` : ''}: check the quality rating in ${MANAGER} and send fewer messages people block or report`;
  return { kind: 'quality', event, note };
}

/** Reads one account change about the number named `label` (see numberLabel). */
export function parseAccountChange(change: CloudChange, label: string): AccountItem {
  const field = change.field ?? '';
  if (NOTICE_FIELDS.has(field)) {
    const notice = parseNotice(field, change.value, label);
    return notice.kind === 'notice' ? { kind: 'ignored', reason: notice.reason } : notice;
  }
  const event = str(change.value.event)?.slice(0, 80);
  if (!event) return { kind: 'invalid', reason: `${field} without "value.event"` };
  return field === 'account_update'
    ? accountUpdate(change.value, event, label)
    : qualityUpdate(change.value, event, label);
}

/** How sentences name a Cloud number: `number +15550783881`, else by its phone_number_id. */
export function numberLabel(instance: Instance): string {
  return instance.number ? `number +${instance.number}` : `Cloud API number ${instance.name}`;
}

export interface AccountOutcome {
  outcome: ReceiptOutcome;
  reason: string;
  state?: string;
  seq: number[];
}

/**
 * Applies one routed, authenticated account change to one instance: a
 * closing event records `close` (once: the same again is a `duplicate`), a
 * quality restriction adds a note to an open (or unchecked) number and
 * keeps its state, a lifted one removes the note.
 */
export async function applyAccountChange(
  change: CloudChange,
  instance: Instance,
  states: InstanceStateSink,
  traceId: string,
  receivedAt: number,
): Promise<AccountOutcome> {
  const item = parseAccountChange(change, numberLabel(instance));
  if (item.kind === 'invalid') return { outcome: 'rejected', reason: item.reason, seq: [] };
  if (item.kind === 'ignored') return { outcome: 'account', reason: item.reason, seq: [] };
  const base = {
    tenantId: instance.tenantId,
    instanceId: instance.id,
    at: Math.min(change.entryTime ?? receivedAt, receivedAt),
    source: 'webhook' as const,
  };
  const record = async (c: InstanceStateChange, label: string): Promise<AccountOutcome> => {
    const r = await states.record(c, traceId);
    if (r.outcome === 'changed') return { outcome: 'account', reason: label, state: c.state, seq: [r.seq] };
    return { outcome: 'account', reason: `${label}, already known`, state: c.state, seq: [] };
  };
  if (item.kind === 'close') {
    const change = { ...base, state: 'close' as const, reason: item.reason, detail: item.detail };
    return record(change, `${item.event}: state close (${item.reason})`);
  }
  const current = await states.current?.(instance.id);
  const label = `quality ${item.event}`;
  if (!current)
    return { outcome: 'account', reason: `${label}: the number's state is not known here`, seq: [] };
  const held = current.detail?.startsWith(QUALITY_NOTE) ?? false;
  if (item.note === null && !held)
    return { outcome: 'account', reason: `${label}: nothing to note`, seq: [] };
  if (current.state === 'close' || current.state === 'connecting') {
    // A closed number's own reason says more than its quality: keep it.
    return { outcome: 'account', reason: `${label}: the number is ${current.state}`, seq: [] };
  }
  // `not_checked` is what an unknown state with no reason reads as: keep the stored null.
  const reason = current.state === 'unknown' && current.reason === 'not_checked' ? null : current.reason;
  return record({ ...base, state: current.state, reason, detail: item.note }, `${label}: state kept`);
}

/**
 * The instance problem a Graph error of a send means, if any: the token
 * (190 expired/invalid, 10/200 permission) or the account (131031 locked).
 * `instance` is the phone_number_id, for the sentence.
 */
export function sendErrorProblem(e: GraphError | null, instance: string): InstanceProblem | undefined {
  const code = e?.code ?? null;
  const which = `Cloud API number ${instance}`;
  if (code === 190) {
    const why =
      e?.subcode === 463 ? 'expired' : e?.subcode === 460 ? 'revoked by a password change' : 'invalid';
    return {
      reason: 'token_invalid',
      detail: `Meta refused the access token of ${which} (code 190: ${why}): create a new access token (a System User token does not expire) and give it to Newton for this number`,
    };
  }
  if (code === 10 || code === 200) {
    return {
      reason: 'token_invalid',
      detail: `The access token of ${which} lacks a permission (code ${code}): give its System User whatsapp_business_messaging on the number's WhatsApp Business Account, or create a new token that has it`,
    };
  }
  if (code === 131031) {
    return {
      reason: 'account_restricted',
      detail: `Meta locked the WhatsApp Business Account of ${which} (code 131031): review it in ${MANAGER}; nothing can be sent until Meta unlocks it`,
    };
  }
  return undefined;
}

/**
 * Routing Cloud API account webhooks (`account_update`,
 * `phone_number_quality_update`, template and review updates… ACCOUNT_FIELDS)
 * to the numbers they are about (#12, internal to the Cloud adapter). Their
 * receipts and answers say `account` (#13), also when no number is known yet. A change that names a number goes to the
 * instances with that number; one that names none (ACCOUNT_DELETED,
 * DISABLED_UPDATE, ACCOUNT_OFFBOARDED… name only the WhatsApp Business
 * Account, `entry[].id`) goes to every number of that account, which Newton
 * learns from the numbers' message webhooks (`Instance.wabaId`).
 */
import type {
  Instance,
  InstanceDirectory,
  InstanceStateSink,
  Logger,
  ReceiptOutcome,
} from '../../core/index.js';
import { isProbeTrace, type ReceiptFields, senderDigits } from '../receipts.js';
import { accountNumbers, applyAccountChange, isAccountChange } from './account.js';
import type { CloudChange } from './types.js';

type Item = { outcome: ReceiptOutcome } & Record<string, unknown>;
type RecordItem = (f: Partial<ReceiptFields> & { outcome: ReceiptOutcome }) => Promise<void>;

/** The Cloud instances the account changes of one webhook may be about: by number, and by account. */
export async function accountCandidates(
  admin: InstanceDirectory,
  changes: CloudChange[],
): Promise<Instance[]> {
  const accounts = changes.filter(isAccountChange);
  if (accounts.length === 0) return [];
  const numbers = [...new Set(accounts.flatMap(accountNumbers))];
  const wabas = [
    ...new Set(
      accounts
        .filter((c) => accountNumbers(c).length === 0 && c.entryId !== null)
        .map((c) => c.entryId as string),
    ),
  ];
  const [byNumber, byWaba] = await Promise.all([
    numbers.length > 0 ? admin.findInstancesByNumber(numbers) : [],
    admin.findInstancesByWaba(wabas),
  ]);
  return [...byNumber, ...byWaba].filter((i) => i.provider === 'cloud');
}

/**
 * The instances one account change is about, among `candidates`: those with
 * the number it names, or, when it names none, every number of its account.
 * A change about one number never reaches another number of the same account.
 */
export function accountTargets(change: CloudChange, candidates: Instance[]): Instance[] {
  const named = new Set(accountNumbers(change));
  const targets =
    named.size > 0
      ? candidates.filter((i) => i.number !== null && named.has(i.number))
      : candidates.filter((i) => change.entryId !== null && i.wabaId === change.entryId);
  return [...new Map(targets.map((i) => [i.id, i])).values()];
}

/** Why an account change reached no instance: what it names, and how to make it route. */
export function unroutableAccount(change: CloudChange): string {
  const number = accountNumbers(change)[0];
  const waba = change.entryId ? ` of WhatsApp Business Account ${change.entryId}` : '';
  if (number) {
    return `${change.field}${waba} names number ${number}, which no Cloud API instance has (add it with --number)`;
  }
  return change.entryId
    ? `${change.field}${waba} names no phone number, and no Cloud API instance is known to belong to that account yet: Newton learns a number's account from its first message webhook`
    : `${change.field} names neither a phone number nor a WhatsApp Business Account`;
}

export interface AccountRoute {
  states: InstanceStateSink | undefined;
  traceId: string;
  receivedAt: number;
  /** Records a receipt of this change (its event and number already filled in). */
  record: RecordItem;
  log: Logger;
}

/**
 * One account change, applied to every instance in `targets` signed with
 * `secret`: one receipt and one answer item each (unroutable: one of each).
 */
export async function routeAccountChange(
  change: CloudChange,
  targets: Instance[],
  secret: string,
  route: AccountRoute,
): Promise<Item[]> {
  const { states, record, log } = route;
  if (targets.length === 0) {
    // About the account, not a message: recorded as such, never unroutable (#13).
    const reason = unroutableAccount(change);
    log.info({ waba: change.entryId, field: change.field }, 'account change for no known number');
    await record({ outcome: 'account', reason });
    return [{ outcome: 'account', at: change.at, reason }];
  }
  const out: Item[] = [];
  for (const instance of targets) {
    const routed = { instanceName: instance.name, tenantId: instance.tenantId, instanceId: instance.id };
    let result: { outcome: ReceiptOutcome; reason: string; state?: string; seq?: number[] };
    if (instance.appSecret !== secret) {
      result = { outcome: 'rejected', reason: otherSecret(instance) };
    } else if (!states) {
      logAccount(log, instance, change, 'not recorded');
      result = { outcome: 'account', reason: `field "${change.field}" is not recorded by this node` };
    } else {
      if (!isProbeTrace(route.traceId)) states.webhookSeen(instance.id, route.receivedAt);
      result = await applyAccountChange(change, instance, states, route.traceId, route.receivedAt);
      logAccount(log, instance, change, result.reason);
    }
    await record({ ...routed, outcome: result.outcome, reason: result.reason });
    out.push({ at: change.at, instance: instance.name, ...result });
  }
  return out;
}

/** The sender number every receipt of one account change records: the first number it names. */
export function accountSender(change: CloudChange): Pick<ReceiptFields, 'senderNumber'> {
  return { senderNumber: senderDigits(accountNumbers(change)[0] ?? null) };
}

/** A change signed by an app, but not by the one this number is configured with. */
export function otherSecret(instance: Instance): string {
  return `signed with another app secret than phone_number_id "${instance.name}" has`;
}

function logAccount(log: Logger, instance: Instance, change: CloudChange, result: string): void {
  log.info(
    { tenant: instance.tenantId, instance: instance.name, field: change.field, result },
    'account webhook',
  );
}

/**
 * A change of an instance's settings, checked with the same rules by
 * `newton instance update` and `PATCH /api/admin/instances/{id}`: which
 * fields each provider has, and each value's rule (validation.ts).
 */
import type { ProviderName } from '@newton/protocol';
import type { Instance } from './messages.js';
import { cloudOwnNumber, evolutionOwnNumber } from './own-number.js';
import { httpUrl, InvalidValue } from './validation.js';

/** The fields of an instance that can change without touching its conversations (same id). */
export type InstancePatch = Partial<
  Pick<Instance, 'number' | 'apikey' | 'webhookSecret' | 'baseUrl' | 'appSecret' | 'verifyToken'>
>;

/** New values as given (raw text); undefined leaves a field as it is. */
export interface InstanceChanges {
  number?: string | undefined;
  /** Evolution: the instance API key. */
  apikey?: string | undefined;
  /** Evolution: the webhook secret. */
  webhookSecret?: string | undefined;
  /** Evolution: the base URL. */
  url?: string | undefined;
  /** Cloud API: the access token (kept as `apikey`). */
  accessToken?: string | undefined;
  appSecret?: string | undefined;
  verifyToken?: string | undefined;
  /** Cloud API: the Graph API base (kept as `baseUrl`). */
  graphUrl?: string | undefined;
}

const EVOLUTION_FIELDS = new Set<keyof InstanceChanges>(['number', 'apikey', 'webhookSecret', 'url']);
const CLOUD_FIELDS = new Set<keyof InstanceChanges>([
  'number',
  'accessToken',
  'appSecret',
  'verifyToken',
  'graphUrl',
]);
const MAX_SECRET = 1024;

/**
 * The patch for `changes` to an instance of `provider`. Throws InvalidValue
 * whose message starts with the field's name as `name(field)` gives it.
 */
export function instancePatch(
  provider: ProviderName,
  changes: InstanceChanges,
  name: (field: keyof InstanceChanges) => string,
): InstancePatch {
  const given = (Object.keys(changes) as (keyof InstanceChanges)[]).filter((k) => changes[k] !== undefined);
  const allowed = provider === 'cloud' ? CLOUD_FIELDS : EVOLUTION_FIELDS;
  const wrong = given.find((k) => !allowed.has(k));
  if (wrong) throw new InvalidValue(`${name(wrong)} is not a setting of ${provider} instances`);
  if (given.length === 0) throw new InvalidValue('nothing to change');
  const rule = <T>(field: keyof InstanceChanges, check: (v: string) => T): T | undefined => {
    const v = changes[field];
    if (v === undefined) return undefined;
    try {
      return check(v);
    } catch (err) {
      if (err instanceof InvalidValue) throw new InvalidValue(`${name(field)} ${err.message}`);
      throw err;
    }
  };
  const secret = (v: string) => {
    if (v === '' || v.length > MAX_SECRET) throw new InvalidValue(`must be 1-${MAX_SECRET} characters`);
    return v;
  };
  const url = (v: string) => httpUrl(v).replace(/\/+$/, '');
  const patch: InstancePatch = {
    number: rule('number', (v) => {
      if (provider !== 'cloud') return evolutionOwnNumber(v);
      const own = cloudOwnNumber(v);
      if (own === null) throw new InvalidValue(`"${v}" is not a WhatsApp number`);
      return own;
    }),
    apikey: rule('apikey', secret) ?? rule('accessToken', secret),
    webhookSecret: rule('webhookSecret', secret),
    baseUrl: rule('url', url) ?? rule('graphUrl', url),
    appSecret: rule('appSecret', secret),
    verifyToken: rule('verifyToken', secret),
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as InstancePatch;
}

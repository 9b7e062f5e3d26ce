/**
 * `newton instance add <tenant> --provider cloud …`: a WhatsApp Cloud API
 * number. Stored as an instance named by its phone_number_id, with the access
 * token in `apikey`, the Graph API base in `base_url`, and the app secret and
 * verify token in their own columns (migration 004).
 */

import {
  cloudOwnNumber,
  httpUrl,
  type Instance,
  phoneNumberId as phoneNumberIdRule,
} from '../../core/index.js';
import { DEFAULT_GRAPH_URL } from '../../providers/index.js';
import { CommandError, option, required, str, UsageError, type Values } from '../args.js';
import type { CliContext } from '../context.js';
import { refuseSharedNumber } from './instance-update.js';

export { CLOUD_OPTIONS } from '../help/instance.js';

const EVOLUTION_ONLY = ['apikey', 'url', 'webhook-secret', 'generate-secret', 'wire-webhook'];

/** A Cloud instance for `instance list`: secrets are only said to be set, never shown. */
export function describeCloud(i: Instance): string {
  const set = (v: string | null) => (v ? 'set' : 'MISSING');
  return [
    i.tenantId,
    i.provider,
    i.name,
    i.number ? `+${i.number}` : '(any number)',
    `access_token=${set(i.apikey)}`,
    `app_secret=${set(i.appSecret)}`,
    `verify_token=${set(i.verifyToken)}`,
    i.baseUrl ?? DEFAULT_GRAPH_URL,
  ].join('\t');
}

export async function addCloud(values: Values, tenant: string, ctx: CliContext): Promise<number> {
  const wrong = EVOLUTION_ONLY.filter((k) => values[k] !== undefined);
  if (wrong.length > 0) {
    throw new UsageError(
      `--${wrong[0]} is for Evolution; a Cloud API number takes --access-token and --app-secret`,
    );
  }
  const instanceName = str(values, 'instance');
  const phoneNumberId = str(values, 'phone-number-id') ?? instanceName;
  if (!phoneNumberId) throw new UsageError('--phone-number-id is required');
  if (instanceName && instanceName !== phoneNumberId) {
    throw new UsageError('give --phone-number-id (or --instance) once');
  }
  option('phone-number-id', () => phoneNumberIdRule(phoneNumberId));
  const appSecret = required(values, 'app-secret');
  const verifyToken = required(values, 'verify-token');
  const accessToken = required(values, 'access-token');
  const graphUrl = str(values, 'graph-url');
  if (graphUrl) option('graph-url', () => httpUrl(graphUrl));
  const number = str(values, 'number');
  const ownNumber = number ? option('number', () => cloudOwnNumber(number)) : null;

  const store = await ctx.openStore();
  if (!(await store.admin.getTenant(tenant))) {
    throw new CommandError(`tenant ${tenant} does not exist (create it with: newton tenant add ${tenant})`);
  }
  const existing = await store.admin.findInstance('cloud', phoneNumberId);
  if (existing) {
    throw new CommandError(`phone_number_id ${phoneNumberId} already belongs to tenant ${existing.tenantId}`);
  }
  await refuseSharedNumber(store, tenant, ownNumber, values['allow-shared'] === true);
  await store.admin.createInstance({
    tenantId: tenant,
    provider: 'cloud',
    name: phoneNumberId,
    number: ownNumber,
    apikey: accessToken,
    appSecret,
    verifyToken,
    baseUrl: graphUrl ? graphUrl.replace(/\/+$/, '') : null,
  });
  ctx.out(`Cloud API number ${phoneNumberId} added to tenant ${tenant}`);
  ctx.out(
    `callback URL for Meta: ${ctx.config.publicUrl ?? ctx.serverUrl(undefined)}/webhooks/whatsapp (verify token: the one given)`,
  );
  return 0;
}

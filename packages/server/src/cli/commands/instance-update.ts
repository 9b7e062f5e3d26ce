/**
 * Changing and removing instances without losing data (#12):
 * `newton instance update` changes settings in place (same id: every
 * conversation and message stays); `newton instance remove` refuses while the
 * instance holds conversations or messages unless `--purge`; and an own number
 * already used by another tenant is refused unless `--allow-shared`.
 */
import { type InstanceChanges, InvalidValue, instancePatch } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { CommandError, parse, required, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { subcommand } from '../help/instance.js';
import { tenantInstance } from './instance-webhook.js';

/** Refuses a number another tenant's instance has, naming that tenant, unless `--allow-shared`. */
export async function refuseSharedNumber(
  store: Store,
  tenant: string,
  number: string | null | undefined,
  allowShared: boolean,
): Promise<void> {
  if (!number || allowShared) return;
  const others = await store.admin.otherTenantsWithNumber(number, tenant);
  if (others.length > 0) {
    throw new CommandError(
      `+${number} is already the number of an instance of tenant ${others.join(', ')} ` +
        '(add --allow-shared to use it in both)',
    );
  }
}

/** CLI option → the change it makes. */
const OPTIONS: Record<string, keyof InstanceChanges> = {
  number: 'number',
  apikey: 'apikey',
  'webhook-secret': 'webhookSecret',
  secret: 'webhookSecret',
  url: 'url',
  'access-token': 'accessToken',
  'app-secret': 'appSecret',
  'verify-token': 'verifyToken',
  'graph-url': 'graphUrl',
};

/** `newton instance update <tenant> <instance> [--url] [--apikey] [--webhook-secret] [--number] …`. */
export async function updateInstance(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, subcommand('instance update'));
  if (values.secret !== undefined && values['webhook-secret'] !== undefined) {
    throw new UsageError('give --webhook-secret (or --secret) once');
  }
  const tenant = tenantId(positionals[0]);
  const store = await ctx.openStore();
  const instance = await tenantInstance(store, tenant, positionals[1] as string, str(values, 'provider'));
  const changes: InstanceChanges = {};
  const given: Partial<Record<keyof InstanceChanges, string>> = {};
  for (const [opt, key] of Object.entries(OPTIONS)) {
    const v = str(values, opt);
    if (v === undefined) continue;
    changes[key] = v;
    given[key] = opt;
  }
  let patch: ReturnType<typeof instancePatch>;
  try {
    patch = instancePatch(instance.provider, changes, (k) => `--${given[k] ?? k}`);
  } catch (err) {
    if (err instanceof InvalidValue) throw new UsageError(err.message);
    throw err;
  }
  if (patch.number && patch.number !== instance.number) {
    await refuseSharedNumber(store, tenant, patch.number, values['allow-shared'] === true);
  }
  await store.admin.updateInstance(instance.id, patch);
  const usage = await store.admin.instanceUsage(instance.id);
  ctx.out(
    `instance "${instance.name}" of tenant ${tenant} updated (${Object.keys(patch).join(', ')}); ` +
      `its ${usage.conversations} conversations and ${usage.messages} messages are kept`,
  );
  if (patch.baseUrl || patch.apikey || patch.webhookSecret) {
    ctx.out(`check Evolution's webhook with: newton instance webhook ${tenant} ${instance.name}`);
  }
  return 0;
}

/**
 * `newton instance remove <tenant> <instance> [--purge]`, or the older
 * `--provider … --instance …` form.
 */
export async function removeInstance(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, subcommand('instance remove'));
  const store = await ctx.openStore();
  let found: Awaited<ReturnType<typeof store.admin.findInstance>>;
  if (positionals.length > 0) {
    if (positionals.length < 2) throw new UsageError('missing INSTANCE');
    found = await tenantInstance(
      store,
      tenantId(positionals[0]),
      positionals[1] as string,
      str(values, 'provider'),
    );
  } else {
    const provider = required(values, 'provider');
    const name =
      provider === 'cloud' && values['phone-number-id'] !== undefined
        ? required(values, 'phone-number-id')
        : required(values, 'instance');
    found = await store.admin.findInstance(provider, name);
  }
  if (!found) throw new CommandError('no such instance');
  const purge = values.purge === true;
  const out = await store.admin.removeInstanceById(found.id, { purge });
  if (!out.found) throw new CommandError('no such instance');
  const { conversations, messages } = out.usage;
  if (!out.removed) {
    throw new CommandError(
      `instance "${found.name}" of tenant ${found.tenantId} has ${conversations} conversations and ` +
        `${messages} messages: not removed (add --purge to delete them with it, or keep the instance ` +
        `and change it with: newton instance update ${found.tenantId} ${found.name} …)`,
    );
  }
  ctx.out(
    purge
      ? `instance removed with its ${conversations} conversations and ${messages} messages`
      : 'instance removed',
  );
  return 0;
}

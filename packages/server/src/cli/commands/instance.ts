import { randomBytes } from 'node:crypto';
import { evolutionOwnNumber, httpUrl, type Instance } from '../../core/index.js';
import { PUBLIC_URL_FIX } from '../../upstream/index.js';
import { CommandError, option, parse, required, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { subcommand } from '../help/instance.js';
import { addCloud, CLOUD_OPTIONS, describeCloud } from './instance-cloud.js';
import { refuseSharedNumber, removeInstance, updateInstance } from './instance-update.js';
import { applyCommand, instanceWebhook, printWiring, runWiring } from './instance-webhook.js';

function mask(secret: string | null): string {
  return secret ? `${secret.slice(0, 2)}…(${secret.length})` : '-';
}

function describe(i: Instance): string {
  if (i.provider === 'cloud') return describeCloud(i);
  return [
    i.tenantId,
    i.provider,
    i.name,
    i.number ? `+${i.number}` : '(any number)',
    `apikey=${mask(i.apikey)}`,
    `secret=${mask(i.webhookSecret)}`,
    i.baseUrl ?? '',
  ].join('\t');
}

/** `instance list --json`: one instance, secrets only said to be set. */
function instanceJson(i: Instance): Record<string, unknown> {
  return {
    tenant_id: i.tenantId,
    provider: i.provider,
    name: i.name,
    number: i.number,
    base_url: i.baseUrl,
    apikey_set: Boolean(i.apikey),
    webhook_secret_set: Boolean(i.webhookSecret),
    app_secret_set: Boolean(i.appSecret),
    verify_token_set: Boolean(i.verifyToken),
  };
}

export async function instance(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'add') return add(rest, ctx);
  if (sub === 'list') {
    const { values, positionals } = parse(rest, subcommand('instance list'));
    const store = await ctx.openStore();
    const tenant = positionals[0] === undefined ? undefined : tenantId(positionals[0]);
    if (tenant && !(await store.admin.getTenant(tenant))) {
      throw new CommandError(`tenant "${tenant}" does not exist (newton tenant list shows them)`);
    }
    const all = await store.admin.listInstances(tenant);
    if (values.json) ctx.out(JSON.stringify(all.map(instanceJson), null, 2));
    else for (const i of all) ctx.out(describe(i));
    return 0;
  }
  if (sub === 'remove') return removeInstance(rest, ctx);
  if (sub === 'update') return updateInstance(rest, ctx);
  if (sub === 'webhook') return instanceWebhook(rest, ctx);
  throw new UsageError(
    sub
      ? `unknown instance command "${sub}"`
      : 'missing instance command (add, list, update, remove, webhook)',
  );
}

async function add(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, subcommand('instance add'));
  const tenant = tenantId(positionals[0]);
  const provider = required(values, 'provider');
  if (provider === 'cloud') return addCloud(values, tenant, ctx);
  if (provider !== 'evolution') {
    throw new UsageError(`--provider "${provider}" is not supported (supported: evolution, cloud)`);
  }
  const cloudOnly = Object.keys(CLOUD_OPTIONS).find((k) => values[k] !== undefined);
  if (cloudOnly) throw new UsageError(`--${cloudOnly} is for --provider cloud`);
  const name = required(values, 'instance');
  if (name.length > 200) throw new UsageError('--instance is longer than 200 characters');
  const number = str(values, 'number');
  const baseUrl = str(values, 'url');
  if (baseUrl) option('url', () => httpUrl(baseUrl));
  let secret = str(values, 'webhook-secret');
  if (values['generate-secret']) {
    if (secret) throw new UsageError('give --webhook-secret or --generate-secret, not both');
    secret = randomBytes(24).toString('base64url');
  }
  const wire = values['wire-webhook'] === true;
  if (wire && !baseUrl) throw new UsageError('--wire-webhook needs --url (the Evolution base URL)');
  if (wire && !ctx.config.publicUrl) throw new CommandError(PUBLIC_URL_FIX);
  const ownNumber = number ? option('number', () => evolutionOwnNumber(number)) : null;
  const store = await ctx.openStore();
  if (!(await store.admin.getTenant(tenant))) {
    throw new CommandError(`tenant ${tenant} does not exist (create it with: newton tenant add ${tenant})`);
  }
  const existing = await store.admin.findInstance(provider, name);
  if (existing) {
    throw new CommandError(`instance "${name}" already belongs to tenant ${existing.tenantId}`);
  }
  await refuseSharedNumber(store, tenant, ownNumber, values['allow-shared'] === true);
  const created = await store.admin.createInstance({
    tenantId: tenant,
    provider,
    name,
    number: ownNumber,
    apikey: str(values, 'apikey') ?? null,
    webhookSecret: secret ?? null,
    baseUrl: baseUrl ?? null,
  });
  ctx.out(`instance "${created.name}" (${created.provider}) added to tenant ${tenant}`);
  const hook = `${ctx.config.publicUrl ?? ctx.serverUrl(undefined)}/webhooks/evolution`;
  ctx.out(`webhook URL for Evolution: ${secret ? `${hook}?token=${secret}` : hook}`);
  if (!created.apikey && !secret) {
    ctx.err('warning: this instance has neither --apikey nor a webhook secret: anyone can post its webhooks');
  }
  await showWiring(created, ctx, wire);
  return 0;
}

/**
 * After `instance add`: Evolution's webhook checked (or, with
 * `--wire-webhook`, set), or what is missing to do so. A provider that
 * cannot be asked is a warning: the instance is added either way.
 */
async function showWiring(created: Instance, ctx: CliContext, wire: boolean): Promise<void> {
  if (!created.baseUrl) {
    ctx.out(
      `to let Newton check and wire Evolution's webhook: newton instance update ${created.tenantId} ${created.name} --url EVOLUTION_URL`,
    );
    return;
  }
  if (!ctx.config.publicUrl) {
    ctx.out(`set PUBLIC_URL (the address Evolution reaches Newton at), then run: ${applyCommand(created)}`);
    return;
  }
  try {
    const report = await runWiring(created, ctx, wire);
    printWiring(ctx, created, report);
    if (!(report.after ?? report.before).ok && !wire) ctx.out(`wire it with: ${applyCommand(created)}`);
  } catch (err) {
    if (!(err instanceof CommandError) || wire) throw err;
    ctx.err(`warning: ${err.message}; once Evolution answers, run: ${applyCommand(created)}`);
  }
}

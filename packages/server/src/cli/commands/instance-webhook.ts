/**
 * `newton instance webhook <tenant> <instance> [--apply]`: what Evolution's
 * webhook settings for the instance are, against what Newton needs (its URL
 * under PUBLIC_URL, the events, the auth header); with `--apply`, sets them
 * through Evolution's `POST /webhook/set` and prints them read back. Running
 * it again changes nothing.
 */
import type { Instance, WebhookCheck } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import {
  PUBLIC_URL_FIX,
  UpstreamChecks,
  WiringError,
  type WiringReport,
  wireWebhook,
} from '../../upstream/index.js';
import { CommandError, parse, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { subcommand } from '../help/instance.js';

/** The probe a command uses: this configuration's PUBLIC_URL and check timeout. */
export function cliProbe(ctx: CliContext): UpstreamChecks {
  return new UpstreamChecks({
    publicUrl: ctx.config.publicUrl,
    timeoutMs: ctx.config.upstreamCheckTimeoutMs,
  });
}

/** The tenant's instance named `name` (an Evolution name or a Cloud phone_number_id). */
export async function tenantInstance(
  store: Store,
  tenant: string,
  name: string,
  provider?: string,
): Promise<Instance> {
  if (!(await store.admin.getTenant(tenant))) throw new CommandError(`tenant ${tenant} does not exist`);
  const found = (await store.admin.listInstances(tenant)).filter(
    (i) => i.name === name && (provider === undefined || i.provider === provider),
  );
  if (found.length === 0) throw new CommandError(`tenant ${tenant} has no instance "${name}"`);
  if (found.length > 1)
    throw new UsageError(`"${name}" names several instances: add --provider evolution|cloud`);
  return found[0] as Instance;
}

/** The exact command that wires the instance's webhook. */
export function applyCommand(i: Instance): string {
  return `newton instance webhook ${i.tenantId} ${i.name} --apply`;
}

const list = (items: string[]) => (items.length > 0 ? items.join(', ') : '(none)');

function printSettings(ctx: CliContext, title: string, c: WebhookCheck): void {
  ctx.out(title);
  const cur = c.current;
  if (!cur) {
    ctx.out('  (no webhook set)');
    return;
  }
  ctx.out(`  enabled:   ${cur.enabled}`);
  ctx.out(`  url:       ${cur.url ?? '(none)'}`);
  ctx.out(`  by events: ${cur.byEvents}`);
  ctx.out(`  events:    ${list(cur.events)}`);
  ctx.out(`  headers:   ${list(cur.headerNames ?? [])}`);
}

function printProblems(ctx: CliContext, c: WebhookCheck): void {
  if (c.ok) {
    ctx.out('check: ok');
    return;
  }
  ctx.out('problems:');
  for (const p of c.problems) {
    ctx.out(`  ${p.code}${p.event ? ` ${p.event}` : ''}${p.blocking ? ' (blocking)' : ''}: ${p.detail}`);
  }
}

/** Prints a wiring report: Evolution's settings before, Newton's, and after an apply. */
export function printWiring(ctx: CliContext, instance: Instance, r: WiringReport): void {
  ctx.out(
    `Evolution webhook of instance "${instance.name}" (tenant ${instance.tenantId}) at ${instance.baseUrl}`,
  );
  printSettings(ctx, 'Evolution has now:', r.before);
  ctx.out('Newton needs:');
  ctx.out('  enabled:   true');
  ctx.out(`  url:       ${r.expected.url ?? '(set PUBLIC_URL)'} (by events, the same base URL works too)`);
  ctx.out(`  events:    ${list(r.expected.events)} (at least MESSAGES_UPSERT)`);
  ctx.out(`  headers:   ${list(r.expected.headerNames)}`);
  if (!r.after) {
    printProblems(ctx, r.before);
    return;
  }
  if (!r.changed) {
    ctx.out('already wired, nothing changed');
    return;
  }
  ctx.out('applied: POST /webhook/set');
  printSettings(ctx, 'Evolution has after:', r.after);
  printProblems(ctx, r.after);
}

/** Runs the wiring, turning its refusals into command errors. */
export async function runWiring(instance: Instance, ctx: CliContext, apply: boolean): Promise<WiringReport> {
  try {
    return await wireWebhook(instance, cliProbe(ctx), { apply });
  } catch (err) {
    if (err instanceof WiringError) throw new CommandError(err.message);
    throw err;
  }
}

export async function instanceWebhook(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, subcommand('instance webhook'));
  const tenant = tenantId(positionals[0]);
  const store = await ctx.openStore();
  const instance = await tenantInstance(store, tenant, positionals[1] as string, str(values, 'provider'));
  const report = await runWiring(instance, ctx, values.apply === true);
  printWiring(ctx, instance, report);
  if (!ctx.config.publicUrl) throw new CommandError(PUBLIC_URL_FIX);
  const final = report.after ?? report.before;
  if (!final.ok && !values.apply) ctx.err(`to wire it: ${applyCommand(instance)}`);
  return final.ok ? 0 : 1;
}

import { CommandError, parse, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { tenantSubcommand as subcommand } from '../help/commands.js';

export async function tenant(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  const store = await (sub === 'add' || sub === 'list' ? ctx.openStore() : Promise.resolve(undefined));
  if (sub === 'add' && store) {
    const { values, positionals } = parse(rest, subcommand('tenant add'));
    const id = tenantId(positionals[0]);
    if (await store.admin.getTenant(id)) throw new CommandError(`tenant ${id} already exists`);
    await store.admin.createTenant(id, str(values, 'name') ?? null);
    ctx.out(`tenant ${id} created`);
    return 0;
  }
  if (sub === 'list' && store) {
    const { values } = parse(rest, subcommand('tenant list'));
    const tenants = await store.admin.listTenants();
    if (values.json) {
      ctx.out(
        JSON.stringify(
          tenants.map((t) => ({ id: t.id, name: t.name, last_seq: t.lastSeq })),
          null,
          2,
        ),
      );
      return 0;
    }
    for (const t of tenants) ctx.out(`${t.id}\t${t.name ?? ''}\tlast_seq=${t.lastSeq}`);
    return 0;
  }
  throw new UsageError(sub ? `unknown tenant command "${sub}"` : 'missing tenant command (add, list)');
}

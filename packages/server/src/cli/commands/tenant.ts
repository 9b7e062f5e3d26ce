import { CommandError, parse, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';

export async function tenant(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  const store = await (sub === 'add' || sub === 'list' ? ctx.openStore() : Promise.resolve(undefined));
  if (sub === 'add' && store) {
    const { values, positionals } = parse(
      rest,
      { name: { type: 'string' } },
      { min: 1, max: 1, names: '<tenant_id>' },
    );
    const id = tenantId(positionals[0]);
    if (await store.admin.getTenant(id)) throw new CommandError(`tenant ${id} already exists`);
    await store.admin.createTenant(id, str(values, 'name') ?? null);
    ctx.out(`tenant ${id} created`);
    return 0;
  }
  if (sub === 'list' && store) {
    parse(rest, {}, { min: 0, max: 0, names: '' });
    for (const t of await store.admin.listTenants()) {
      ctx.out(`${t.id}\t${t.name ?? ''}\tlast_seq=${t.lastSeq}`);
    }
    return 0;
  }
  throw new UsageError(sub ? `unknown tenant command "${sub}"` : 'missing tenant command (add, list)');
}

import { CommandError, duration, parse, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';

/** Prints a JWT for the tenant on stdout (nothing else, so it can be captured). */
export async function token(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { user: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' } },
    { min: 1, max: 1, names: '<tenant_id>' },
  );
  const tenant = tenantId(positionals[0]);
  const role = str(values, 'role') ?? 'agent';
  if (role !== 'agent' && role !== 'admin')
    throw new UsageError(`--role must be agent or admin, not "${role}"`);
  const ttlSeconds = duration(str(values, 'ttl') ?? '12h');
  const store = await ctx.openStore();
  if (!(await store.admin.getTenant(tenant))) {
    throw new CommandError(`tenant ${tenant} does not exist (create it with: newton tenant add ${tenant})`);
  }
  const tokens = ctx.tokens();
  if (!tokens.canIssue)
    throw new CommandError('this deployment verifies tokens with JWKS_URL only; set JWT_SECRET to issue');
  const user = str(values, 'user');
  ctx.out(await tokens.issue({ tenants: [tenant], role, ttlSeconds, ...(user ? { userId: user } : {}) }));
  return 0;
}

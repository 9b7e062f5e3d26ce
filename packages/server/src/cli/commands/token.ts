import { CommandError, duration, parse, str, tenantId, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { TOKEN } from '../help/commands.js';

/** Prints a JWT for the tenant on stdout (nothing else, so it can be captured); `--json` with its claims. */
export async function token(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, TOKEN);
  const tenant = tenantId(positionals[0]);
  const role = str(values, 'role') ?? 'agent';
  if (role !== 'agent' && role !== 'admin')
    throw new UsageError(`--role must be agent or admin, not "${role}"`);
  const ttlSeconds = duration(str(values, 'ttl') ?? '12h');
  if (!(await ctx.tenantExists(tenant))) {
    throw new CommandError(`tenant ${tenant} does not exist (create it with: newton tenant add ${tenant})`);
  }
  const tokens = ctx.tokens();
  if (!tokens.canIssue)
    throw new CommandError('this deployment verifies tokens with JWKS_URL only; set JWT_SECRET to issue');
  const user = str(values, 'user');
  const jwt = await tokens.issue({ tenants: [tenant], role, ttlSeconds, ...(user ? { userId: user } : {}) });
  if (!values.json) {
    ctx.out(jwt);
    return 0;
  }
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    iat?: number;
    exp?: number;
  };
  const when = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000).toISOString());
  ctx.out(
    JSON.stringify(
      {
        token: jwt,
        tenant,
        role,
        user_id: user ?? null,
        issued_at: when(claims.iat),
        expires_at: when(claims.exp),
        claims,
      },
      null,
      2,
    ),
  );
  return 0;
}

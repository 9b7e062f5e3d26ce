import type { UserRole } from '@newton/protocol';
import { userColor, userEmail, userId, userName } from '../../core/index.js';
import { adminUser, type Store, UserExistsError, type UserPatch } from '../../store/index.js';
import { CommandError, option, parse, required, str, tenantId, UsageError, type Values } from '../args.js';
import type { CliContext } from '../context.js';
import { USER } from '../help/user.js';

function spec(name: string) {
  const s = USER.subcommands.find((c) => c.name === name);
  if (!s) throw new Error(`no help for ${name}`);
  return s;
}

function role(values: Values): UserRole | undefined {
  const r = str(values, 'role');
  if (r === undefined || r === 'agent' || r === 'admin') return r;
  throw new UsageError(`--role must be agent or admin, not "${r}"`);
}

async function existingTenant(store: Store, id: string): Promise<void> {
  if (!(await store.admin.getTenant(id)))
    throw new CommandError(`tenant ${id} does not exist (create it with: newton tenant add ${id})`);
}

function print(ctx: CliContext, values: Values, row: Parameters<typeof adminUser>[0], text: string): void {
  ctx.out(values.json ? JSON.stringify(adminUser(row), null, 2) : text);
}

/** `newton user add|list|update|disable` (#15). */
export async function user(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'add' && sub !== 'list' && sub !== 'update' && sub !== 'disable')
    throw new UsageError(
      sub ? `unknown user command "${sub}"` : 'missing user command (add, list, update, disable)',
    );
  const { values, positionals } = parse(rest, spec(`user ${sub}`));
  const tenant = tenantId(positionals[0]);
  const id =
    positionals[1] === undefined ? undefined : option('USER_ID', () => userId(positionals[1] as string));
  const store = await ctx.openStore();
  await existingTenant(store, tenant);

  if (sub === 'list') {
    const rows = await store.users.list(tenant);
    if (values.json) ctx.out(JSON.stringify(rows.map(adminUser), null, 2));
    else
      for (const r of rows)
        ctx.out(`${r.id}\t${r.name}\t${r.role}${r.disabled_at != null ? '\tdisabled' : ''}`);
    return 0;
  }
  if (id === undefined) throw new UsageError('missing USER_ID');

  if (sub === 'add') {
    const email = str(values, 'email');
    const color = str(values, 'color');
    try {
      const { row } = await store.users.create(tenant, {
        id,
        name: option('name', () => userName(required(values, 'name'))),
        role: role(values) ?? 'agent',
        email: email ? option('email', () => userEmail(email)) : null,
        ...(color ? { color: option('color', () => userColor(color)) } : {}),
      });
      print(ctx, values, row, `user ${id} created in ${tenant} (${row.role})`);
      return 0;
    } catch (err) {
      if (err instanceof UserExistsError) throw new CommandError(`user ${id} already exists in ${tenant}`);
      throw err;
    }
  }

  let patch: UserPatch = { disabled: true };
  if (sub === 'update') {
    const name = str(values, 'name');
    const email = str(values, 'email');
    const color = str(values, 'color');
    patch = {
      name: name === undefined ? undefined : option('name', () => userName(name)),
      role: role(values),
      email: email === undefined ? undefined : email === '' ? null : option('email', () => userEmail(email)),
      color: color === undefined ? undefined : option('color', () => userColor(color)),
      disabled: values.enable ? false : undefined,
    };
    if (Object.values(patch).every((v) => v === undefined))
      throw new UsageError('nothing to change: give --name, --role, --email, --color or --enable');
  }
  // The store writes `user_updated` to the log; running nodes' user poll sends it to their sockets.
  const row = (await store.users.update(tenant, id, patch))?.row;
  if (!row) throw new CommandError(`no user ${id} in ${tenant} (list them with: newton user list ${tenant})`);
  print(
    ctx,
    values,
    row,
    sub === 'disable' ? `user ${id} disabled in ${tenant}` : `user ${id} updated in ${tenant}`,
  );
  return 0;
}

/**
 * A tenant's users (#15, migration 013): the people tokens name as `sub`.
 * A creation or a change of a user's public view (name, role, colour,
 * disabled) appends `user_updated` to the tenant's log in the same
 * transaction, so open screens follow (live and on resume); the token gate
 * learns of changes through the bus and a poll (pipeline/users.ts). Every
 * query is scoped to one tenant.
 */
import type { AdminUser, User, UserRole } from '@newton/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { toIso } from './mappers.js';
import type { Database, UsersTable } from './schema.js';

/** Avatar colours handed out by id when none is given. */
export const USER_COLORS = [
  '#e57373',
  '#f06292',
  '#ba68c8',
  '#7986cb',
  '#4fc3f7',
  '#4db6ac',
  '#81c784',
  '#ffb74d',
  '#a1887f',
  '#90a4ae',
] as const;

/** The colour a user gets by default: stable for an id. */
export function defaultColor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return USER_COLORS[h % USER_COLORS.length] ?? USER_COLORS[0];
}

export interface NewUser {
  id: string;
  name: string;
  role: UserRole;
  email?: string | null | undefined;
  color?: string | undefined;
}

export interface UserPatch {
  name?: string | undefined;
  role?: UserRole | undefined;
  email?: string | null | undefined;
  color?: string | undefined;
  /** true disables (tokens refused), false enables again. */
  disabled?: boolean | undefined;
}

/** A user as written, with its committed `user_updated` (none when nothing public changed). */
export interface UserWrite {
  row: UsersTable;
  events: TenantEvent[];
}

export class UserExistsError extends Error {
  constructor(id: string) {
    super(`user ${id} already exists`);
  }
}

/** A user as `GET /api/users` shows it to every agent of the tenant. */
export function publicUser(row: UsersTable): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role === 'admin' ? 'admin' : 'agent',
    color: row.color,
    disabled: row.disabled_at != null,
  };
}

/** A user as the admin API shows it. */
export function adminUser(row: UsersTable): AdminUser {
  return {
    ...publicUser(row),
    email: row.email,
    disabled_at: row.disabled_at == null ? null : toIso(row.disabled_at),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

export class UserStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {}

  /** The tenant's users by name (then id). */
  list(tenantId: string): Promise<UsersTable[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  get(tenantId: string, id: string): Promise<UsersTable | undefined> {
    return row(this.db, tenantId, id);
  }

  /** Creates a user and its `user_updated`; UserExistsError when the id is taken in this tenant. */
  async create(tenantId: string, u: NewUser, now = Date.now()): Promise<UserWrite> {
    const row: UsersTable = {
      tenant_id: tenantId,
      id: u.id,
      name: u.name,
      role: u.role,
      email: u.email ?? null,
      color: u.color ?? defaultColor(u.id),
      disabled_at: null,
      created_at: now,
      updated_at: now,
    };
    const events = await this.write(async (trx) => {
      // The tenant's lock serialises its writers: the check below cannot race.
      const lastSeq = await lockTenant(trx, tenantId);
      if (lastSeq === undefined) throw new Error(`no tenant ${tenantId}`);
      if (await existing(trx, tenantId, u.id)) return undefined;
      await trx.insertInto('users').values(row).execute();
      return appendEvents(trx, tenantId, lastSeq, [{ type: 'user_updated', user: publicUser(row) }], now);
    });
    if (!events) throw new UserExistsError(u.id);
    return { row, events };
  }

  /** Applies a patch (and appends `user_updated` if the public view changed); undefined when there is no such user. */
  update(tenantId: string, id: string, p: UserPatch, now = Date.now()): Promise<UserWrite | undefined> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      if (lastSeq === undefined) return undefined;
      const current = await row(trx, tenantId, id);
      if (!current) return undefined;
      const next: UsersTable = {
        ...current,
        ...(p.name !== undefined ? { name: p.name } : {}),
        ...(p.role !== undefined ? { role: p.role } : {}),
        ...(p.email !== undefined ? { email: p.email } : {}),
        ...(p.color !== undefined ? { color: p.color } : {}),
        ...(p.disabled !== undefined
          ? { disabled_at: p.disabled ? (current.disabled_at ?? now) : null }
          : {}),
        // Strictly increasing, so that the directory's poll sees every change.
        updated_at: Math.max(now, Number(current.updated_at) + 1),
      };
      await trx
        .updateTable('users')
        .set({
          name: next.name,
          role: next.role,
          email: next.email,
          color: next.color,
          disabled_at: next.disabled_at,
          updated_at: next.updated_at,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      const user = publicUser(next);
      const same = JSON.stringify(user) === JSON.stringify(publicUser(current));
      const events = same
        ? []
        : await appendEvents(trx, tenantId, lastSeq, [{ type: 'user_updated', user }], now);
      return { row: next, events };
    });
  }

  /** Changes whenever any user of any tenant is created or changed (the directory's poll). */
  async signature(): Promise<string> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('last')])
      .executeTakeFirst();
    return `${Number(row?.n ?? 0)}:${Number(row?.last ?? 0)}`;
  }

  /** Whether new conversations of the tenant go round-robin to online agents. */
  async autoAssign(tenantId: string): Promise<boolean | undefined> {
    const row = await this.db
      .selectFrom('tenants')
      .select('auto_assign')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return row ? Number(row.auto_assign) === 1 : undefined;
  }

  /** Sets the round-robin setting; false when there is no such tenant. */
  async setAutoAssign(tenantId: string, on: boolean): Promise<boolean> {
    const r = await this.db
      .updateTable('tenants')
      .set({ auto_assign: on ? 1 : 0 })
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}

function row(
  db: Kysely<Database> | Transaction<Database>,
  tenantId: string,
  id: string,
): Promise<UsersTable | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

async function existing(trx: Transaction<Database>, tenantId: string, id: string): Promise<boolean> {
  return (await row(trx, tenantId, id)) !== undefined;
}

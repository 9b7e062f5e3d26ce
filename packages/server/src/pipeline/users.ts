/**
 * What every node knows of the tenants' users (#15): a per-tenant cache of
 * the users table, the token gate built on it, and the enforcement of a
 * disabled user on this node's sockets.
 *
 * A change made through the admin API is announced on the bus (a control
 * message), so every node drops its cache and closes the user's sockets at
 * once, and its `user_updated` is published; a change made by `newton user`
 * (another process, maybe no bus) is seen by a poll of the users table's
 * signature every `pollMs`, which also catches this node's sockets up from
 * the event log (where that process wrote its `user_updated`).
 *
 * Tokens whose `sub` is not a user of the tenant keep working as before
 * users existed (deployments and CRMs that mint their own tokens): their
 * role is the token's, and they cannot be assigned conversations.
 */
import { CloseCode, CloseReason } from '@newton/protocol';
import { AuthError, type EventBus, type Logger, type Principal, type TenantEvent } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

const PREFIX = 'users:';

export interface KnownUser {
  id: string;
  name: string;
  role: 'agent' | 'admin';
  disabled: boolean;
}

/** This node's sockets, as the directory needs them (the gateway). */
export interface UserSockets {
  closeUser(tenantId: string, userId: string, code: number, reason: string): number;
  /** Reads what the bus did not carry from the event log (another process's `user_updated`). */
  catchUpAll(): Promise<number>;
}

export class UserDirectory {
  private readonly cache = new Map<string, { users: Map<string, KnownUser>; at: number }>();
  private readonly loading = new Map<string, Promise<Map<string, KnownUser>>>();
  private readonly offControl: () => void;
  private readonly timer: NodeJS.Timeout | undefined;
  private signature: string | undefined;
  private sockets: UserSockets | undefined;
  private polling = false;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly opts: { pollMs: number; ttlMs: number } = { pollMs: 2000, ttlMs: 30_000 },
  ) {
    this.offControl = bus.onControl((m) => this.onControl(m));
    if (opts.pollMs > 0) {
      // The baseline now: a change made before the first tick must count as one.
      void this.poll();
      this.timer = setInterval(() => void this.poll(), opts.pollMs);
      this.timer.unref();
    }
  }

  /** The sockets to close when a user is disabled. */
  attach(sockets: UserSockets): void {
    this.sockets = sockets;
  }

  /** The tenant's users by id (cached). */
  async users(tenantId: string): Promise<Map<string, KnownUser>> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < this.opts.ttlMs) return hit.users;
    let pending = this.loading.get(tenantId);
    if (!pending) {
      pending = this.load(tenantId).finally(() => this.loading.delete(tenantId));
      this.loading.set(tenantId, pending);
    }
    return pending;
  }

  private async load(tenantId: string): Promise<Map<string, KnownUser>> {
    const at = Date.now();
    const rows = await this.store.users.list(tenantId);
    const users = new Map<string, KnownUser>(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          name: r.name,
          role: r.role === 'admin' ? 'admin' : 'agent',
          disabled: r.disabled_at != null,
        },
      ]),
    );
    this.cache.set(tenantId, { users, at });
    // A backstop for changes no message or poll told of: a reload also closes disabled users' sockets.
    for (const u of users.values())
      if (u.disabled)
        this.sockets?.closeUser(tenantId, u.id, CloseCode.UNAUTHORIZED, CloseReason.USER_DISABLED);
    return users;
  }

  /**
   * The token gate (TokenService.setGate): tenants where the `sub` is a
   * disabled user are left out (none left: AuthError `user_disabled`); where
   * it is a known user, the stored role applies (an admin only if admin in
   * every tenant of the token where it is known).
   */
  readonly gate = async (p: Principal): Promise<Principal> => {
    const known: KnownUser[] = [];
    const tenants: string[] = [];
    for (const t of p.tenants) {
      const u = (await this.users(t)).get(p.userId);
      if (u?.disabled) continue;
      if (u) known.push(u);
      tenants.push(t);
    }
    if (tenants.length === 0) throw new AuthError('user_disabled', 'the user this token names is disabled');
    const role = known.length === 0 ? p.role : known.every((u) => u.role === 'admin') ? 'admin' : 'agent';
    if (tenants.length === p.tenants.length && role === p.role) return p;
    return { ...p, tenants, role };
  };

  /**
   * After a change to a user: its committed `user_updated` is published;
   * every node (this one included) drops the tenant's cache and closes the
   * sockets of the user if disabled. When the bus is down, this node does it
   * itself and the others' poll follows.
   */
  async changed(tenantId: string, userId: string, events: TenantEvent[] = [], traceId = ''): Promise<void> {
    await publishCommitted(this.bus, events, traceId, this.log.child({ tenant: tenantId }));
    const message = PREFIX + JSON.stringify({ tenant: tenantId, user: userId });
    try {
      await this.bus.publishControl(message);
    } catch (err) {
      this.log.warn({ err, tenant: tenantId }, 'user change not announced on the bus: other nodes poll');
      this.onControl(message);
    }
  }

  private onControl(message: string): void {
    if (!message.startsWith(PREFIX)) return;
    let m: { tenant?: unknown; user?: unknown };
    try {
      m = JSON.parse(message.slice(PREFIX.length));
    } catch {
      return;
    }
    if (typeof m.tenant !== 'string') return;
    this.cache.delete(m.tenant);
    void this.enforce(m.tenant, typeof m.user === 'string' ? [m.user] : undefined);
  }

  /** Closes this node's sockets of the tenant's disabled users (all of them, or only `only`). */
  private async enforce(tenantId: string, only?: string[]): Promise<void> {
    try {
      const users = await this.users(tenantId);
      for (const u of users.values()) {
        if (!u.disabled || (only && !only.includes(u.id))) continue;
        const n =
          this.sockets?.closeUser(tenantId, u.id, CloseCode.UNAUTHORIZED, CloseReason.USER_DISABLED) ?? 0;
        if (n > 0)
          this.log.info({ tenant: tenantId, user: u.id, sockets: n }, 'sockets of a disabled user closed');
      }
    } catch (err) {
      this.log.warn({ err, tenant: tenantId }, 'could not read the users of a tenant');
    }
  }

  /** Sees changes made outside this cluster's bus (the `newton user` command). */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const signature = await this.store.users.signature();
      if (this.signature !== undefined && signature !== this.signature) {
        const tenants = [...this.cache.keys()];
        this.cache.clear();
        for (const t of tenants) await this.enforce(t);
        // Another process's change wrote `user_updated` to the log but published nothing.
        await this.sockets?.catchUpAll();
      }
      this.signature = signature;
    } catch (err) {
      this.log.debug({ err }, 'users poll failed');
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    this.offControl();
    clearInterval(this.timer);
  }
}

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Instance, InstancePatch, NewInstance, Tenant } from '../core/index.js';
import { InstanceCache } from './instance-cache.js';
import { SqliteInstanceCache } from './instance-cache-sqlite.js';
import { type InstanceRow, instanceFromRow } from './mappers.js';
import { prepared } from './prepared.js';
import type { Database } from './schema.js';

const INSTANCE_COLUMNS = [
  'id',
  'tenant_id',
  'provider',
  'name',
  'number',
  'apikey',
  'webhook_secret',
  'base_url',
  'app_secret',
  'verify_token',
  'waba_id',
  'created_at',
] as const;

/** Every webhook asks this first: compiled once (prepared.ts), and a named statement on PostgreSQL. */
const instanceByName = prepared((db, p: { provider: string; name: string }) =>
  db
    .selectFrom('instances')
    .select(INSTANCE_COLUMNS)
    .where('provider', '=', p.provider)
    .where('name', '=', p.name),
);
// Named columns, not `*`: a cached plan of `select *` fails once a migration adds a column.
const INSTANCE_BY_NAME_SQL = `select ${INSTANCE_COLUMNS.join(', ')} from instances where provider = $1 and name = $2`;

/** What an instance holds: its conversations and their messages. */
export interface InstanceUsage {
  conversations: number;
  messages: number;
}

/** Tenants and provider instances: the configuration side of the store. */
export class AdminStore {
  /**
   * The instances webhooks named: kept exact by the database's notifications
   * (PostgreSQL) or by a version the database's triggers move (SQLite).
   */
  private readonly cache: InstanceCache | SqliteInstanceCache | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    /**
     * PostgreSQL: the pool under `db`. The webhook path's lookup runs on it as a
     * named statement, parsed and planned once per connection instead of on
     * every webhook (#16), and its answers are cached (instance-cache.ts).
     */
    private readonly pool?: pg.Pool,
    /** Keep the instances webhooks name (instance-cache.ts, instance-cache-sqlite.ts). @default false */
    cacheInstances = false,
  ) {
    this.cache = !cacheInstances ? undefined : pool ? new InstanceCache(pool) : new SqliteInstanceCache(db);
  }

  /** Stops listening for instance changes. */
  async close(): Promise<void> {
    await this.cache?.close();
  }

  async createTenant(id: string, name: string | null): Promise<Tenant> {
    const createdAt = Date.now();
    await this.db.insertInto('tenants').values({ id, name, created_at: createdAt }).execute();
    return { id, name, lastSeq: 0, createdAt };
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row
      ? { id: row.id, name: row.name, lastSeq: Number(row.last_seq), createdAt: Number(row.created_at) }
      : undefined;
  }

  async listTenants(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('id').execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      lastSeq: Number(row.last_seq),
      createdAt: Number(row.created_at),
    }));
  }

  async createInstance(input: NewInstance): Promise<Instance> {
    const row = {
      id: randomUUID(),
      tenant_id: input.tenantId,
      provider: input.provider,
      name: input.name,
      number: input.number ?? null,
      apikey: input.apikey ?? null,
      webhook_secret: input.webhookSecret ?? null,
      base_url: input.baseUrl ?? null,
      app_secret: input.appSecret ?? null,
      verify_token: input.verifyToken ?? null,
      created_at: Date.now(),
    };
    await this.db.insertInto('instances').values(row).execute();
    this.cache?.forget();
    return instanceFromRow(row);
  }

  /** The instance a webhook names; instance names are unique per provider. */
  async findInstance(provider: string, name: string): Promise<Instance | undefined> {
    const cached = this.cache?.get(provider, name);
    if (cached) return cached;
    const mark = this.cache?.mark();
    const row = this.pool
      ? (
          await this.pool.query<InstanceRow>({
            name: 'newton_find_instance',
            text: INSTANCE_BY_NAME_SQL,
            values: [provider, name],
          })
        ).rows[0]
      : (await instanceByName(this.db, { provider, name })).rows[0];
    if (!row) return undefined;
    const instance = instanceFromRow(row);
    if (mark !== undefined) this.cache?.remember(instance, mark);
    return instance;
  }

  /** Instances whose own number is one of `numbers` (digits only), of any tenant. */
  async findInstancesByNumber(numbers: string[]): Promise<Instance[]> {
    if (numbers.length === 0) return [];
    const rows = await this.db.selectFrom('instances').selectAll().where('number', 'in', numbers).execute();
    return rows.map(instanceFromRow);
  }

  /** Instances of one provider whose name is one of `names` (Cloud API: phone_number_ids). */
  async findInstances(provider: string, names: string[]): Promise<Instance[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('instances')
      .selectAll()
      .where('provider', '=', provider)
      .where('name', 'in', names)
      .execute();
    return rows.map(instanceFromRow);
  }

  /** Cloud API instances of any of these WhatsApp Business Accounts (learned from their webhooks). */
  async findInstancesByWaba(wabaIds: string[]): Promise<Instance[]> {
    if (wabaIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('instances')
      .selectAll()
      .where('provider', '=', 'cloud')
      .where('waba_id', 'in', wabaIds)
      .execute();
    return rows.map(instanceFromRow);
  }

  /** Remembers a Cloud API number's WhatsApp Business Account; a no-op when it is already known. */
  async noteWaba(instanceId: string, wabaId: string): Promise<void> {
    await this.db
      .updateTable('instances')
      .set({ waba_id: wabaId })
      .where('id', '=', instanceId)
      .where((eb) => eb.or([eb('waba_id', 'is', null), eb('waba_id', '!=', wabaId)]))
      .execute();
    this.cache?.forget();
  }

  /** Every verify token of the Cloud API instances (the GET handshake names no instance). */
  async cloudVerifyTokens(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('instances')
      .select('verify_token')
      .where('provider', '=', 'cloud')
      .where('verify_token', 'is not', null)
      .execute();
    return rows.map((r) => r.verify_token).filter((t): t is string => t !== null);
  }

  async getInstance(id: string): Promise<Instance | undefined> {
    const row = await this.db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? instanceFromRow(row) : undefined;
  }

  async listInstances(tenantId?: string): Promise<Instance[]> {
    let query = this.db.selectFrom('instances').selectAll().orderBy('created_at');
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    return (await query.execute()).map(instanceFromRow);
  }

  /**
   * Changes an instance's settings in place: same id, so every conversation,
   * message and event stays. Undefined fields are left; null clears.
   */
  async updateInstance(id: string, patch: InstancePatch): Promise<Instance | undefined> {
    const set = Object.fromEntries(
      Object.entries({
        number: patch.number,
        apikey: patch.apikey,
        webhook_secret: patch.webhookSecret,
        base_url: patch.baseUrl,
        app_secret: patch.appSecret,
        verify_token: patch.verifyToken,
      }).filter(([, v]) => v !== undefined),
    );
    if (Object.keys(set).length > 0) {
      await this.db.updateTable('instances').set(set).where('id', '=', id).execute();
      this.cache?.forget();
    }
    return this.getInstance(id);
  }

  /** The tenants other than `tenantId` whose instances have this own number (digits). */
  async otherTenantsWithNumber(number: string, tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('instances')
      .select('tenant_id')
      .distinct()
      .where('number', '=', number)
      .where('tenant_id', '!=', tenantId)
      .orderBy('tenant_id')
      .execute();
    return rows.map((r) => r.tenant_id);
  }

  /** How many conversations and messages the instance holds. */
  async instanceUsage(id: string): Promise<InstanceUsage> {
    const [c, m] = await Promise.all([
      this.db
        .selectFrom('conversations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('instance_id', '=', id)
        .executeTakeFirst(),
      this.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('instance_id', '=', id)
        .executeTakeFirst(),
    ]);
    return { conversations: Number(c?.n ?? 0), messages: Number(m?.n ?? 0) };
  }

  /**
   * Removes an instance. Without `purge` it is refused (`removed: false`)
   * while it holds conversations or messages; with `purge` they go too, with
   * the leads left without any conversation. Events already in the log stay.
   */
  async removeInstanceById(
    id: string,
    opts: { purge: boolean },
  ): Promise<{ removed: boolean; found: boolean; usage: InstanceUsage }> {
    const result = await this.db.transaction().execute(async (trx) => {
      const admin = new AdminStore(trx);
      const usage = await admin.instanceUsage(id);
      const found = Boolean(
        await trx.selectFrom('instances').select('id').where('id', '=', id).executeTakeFirst(),
      );
      if (!found) return { removed: false, found, usage };
      if (!opts.purge && (usage.conversations > 0 || usage.messages > 0))
        return { removed: false, found, usage };
      const leads = (
        await trx.selectFrom('conversations').select('lead_id').where('instance_id', '=', id).execute()
      ).map((r) => r.lead_id);
      await trx.deleteFrom('messages').where('instance_id', '=', id).execute();
      await trx.deleteFrom('pending_statuses').where('instance_id', '=', id).execute();
      await trx.deleteFrom('conversations').where('instance_id', '=', id).execute();
      await trx.deleteFrom('instances').where('id', '=', id).execute();
      for (let i = 0; i < leads.length; i += 500) {
        await trx
          .deleteFrom('leads')
          .where('id', 'in', leads.slice(i, i + 500))
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('conversations')
                  .select('id')
                  .whereRef('conversations.lead_id', '=', 'leads.id'),
              ),
            ),
          )
          .execute();
      }
      return { removed: true, found, usage };
    });
    if (result.removed) this.cache?.forget();
    return result;
  }

  async removeInstance(provider: string, name: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('instances')
      .where('provider', '=', provider)
      .where('name', '=', name)
      .executeTakeFirst();
    this.cache?.forget();
    return Number(res.numDeletedRows) > 0;
  }
}

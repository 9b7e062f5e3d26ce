import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Instance, NewInstance, Tenant } from '../core/index.js';
import { instanceFromRow } from './mappers.js';
import type { Database } from './schema.js';

/** Tenants and provider instances: the configuration side of the store. */
export class AdminStore {
  constructor(private readonly db: Kysely<Database>) {}

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
    return instanceFromRow(row);
  }

  /** The instance a webhook names; instance names are unique per provider. */
  async findInstance(provider: string, name: string): Promise<Instance | undefined> {
    const row = await this.db
      .selectFrom('instances')
      .selectAll()
      .where('provider', '=', provider)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? instanceFromRow(row) : undefined;
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

  async removeInstance(provider: string, name: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('instances')
      .where('provider', '=', provider)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

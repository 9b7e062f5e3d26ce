/**
 * What the provider last said about each instance's WhatsApp session (#12):
 * its state, why, since when, and when it last posted a webhook. A change of
 * state appends an `instance_status` event to the tenant's log in the same
 * transaction; repeating the state Newton already holds writes nothing.
 * Knows nothing of providers: adapters hand over core's `InstanceStateChange`.
 */
import type { EventBody, InstanceState, InstanceStatusPayload } from '@newton/protocol';
import type { Kysely } from 'kysely';
import type { InstanceStateChange, TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { toIso } from './mappers.js';
import type { Database, InstancesTable } from './schema.js';
import { WebhookTouches } from './webhook-touches.js';

/** `last_webhook_at` is written at most this often per instance: the webhook path stays one write. */
const TOUCH_EVERY_MS = 5_000;

export type InstanceStateResult =
  /** `before`: the instance as it was, read in the same transaction. */
  | {
      outcome: 'changed';
      status: InstanceStatusPayload;
      before: InstanceStatusPayload;
      events: TenantEvent[];
    }
  | { outcome: 'unchanged'; status: InstanceStatusPayload; events: [] }
  | { outcome: 'unknown_instance'; events: [] };

type StateRow = Pick<
  InstancesTable,
  'id' | 'tenant_id' | 'provider' | 'name' | 'number' | 'state_reason' | 'state_detail'
> & {
  state: string;
  state_since: number | string | null;
  last_webhook_at: number | string | null;
  created_at: number | string;
};

const STATES = new Set<InstanceState>(['open', 'connecting', 'close', 'unknown']);

function num(v: number | string | null): number | null {
  return v == null ? null : Number(v);
}

/** An instance row as agents see it: never a secret. */
export function instanceStatus(row: StateRow): InstanceStatusPayload {
  const state = STATES.has(row.state as InstanceState) ? (row.state as InstanceState) : 'unknown';
  const lastWebhook = num(row.last_webhook_at);
  return {
    id: row.id,
    provider: row.provider as InstanceStatusPayload['provider'],
    name: row.name,
    number: row.number ? `+${row.number}` : null,
    state,
    reason: row.state_reason ?? (state === 'unknown' ? 'not_checked' : null),
    detail: row.state_detail,
    since: toIso(num(row.state_since) ?? Number(row.created_at)),
    last_webhook_at: lastWebhook === null ? null : toIso(lastWebhook),
  };
}

const COLUMNS = [
  'id',
  'tenant_id',
  'provider',
  'name',
  'number',
  'state',
  'state_reason',
  'state_detail',
  'state_since',
  'last_webhook_at',
  'created_at',
] as const;

export class InstanceStateStore {
  /** Instance id → when this node last wrote its `last_webhook_at`. */
  private readonly touched = new Map<string, number>();
  private readonly touches: WebhookTouches;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {
    this.touches = new WebhookTouches(db);
  }

  /** The instances of a tenant (or of every tenant) with their state, oldest first. */
  async list(tenantId?: string): Promise<InstanceStatusPayload[]> {
    let q = this.db.selectFrom('instances').select(COLUMNS).orderBy('created_at').orderBy('id');
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    return (await q.execute()).map(instanceStatus);
  }

  async get(instanceId: string): Promise<InstanceStatusPayload | undefined> {
    const row = await this.db
      .selectFrom('instances')
      .select(COLUMNS)
      .where('id', '=', instanceId)
      .executeTakeFirst();
    return row ? instanceStatus(row) : undefined;
  }

  /**
   * Records what the provider (or a check) says of an instance. A new state,
   * reason or detail updates the row and appends `instance_status`; the same
   * one again writes nothing. `since` moves only when the state itself changes.
   */
  record(change: InstanceStateChange): Promise<InstanceStateResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, change.tenantId);
      const row = await trx
        .selectFrom('instances')
        .select(COLUMNS)
        .where('id', '=', change.instanceId)
        .where('tenant_id', '=', change.tenantId)
        .executeTakeFirst();
      if (lastSeq === undefined || !row) return { outcome: 'unknown_instance', events: [] };
      const reason = change.state === 'open' ? null : (change.reason ?? null);
      // An open number has no reason, but may carry a note (e.g. Meta flagged its quality).
      const detail = change.detail ?? null;
      if (row.state === change.state && row.state_reason === reason && row.state_detail === detail) {
        return { outcome: 'unchanged', status: instanceStatus(row), events: [] };
      }
      const since = row.state === change.state && row.state_since != null ? num(row.state_since) : change.at;
      const next = { state: change.state, state_reason: reason, state_detail: detail, state_since: since };
      await trx.updateTable('instances').set(next).where('id', '=', row.id).execute();
      const status = instanceStatus({ ...row, ...next });
      const previous =
        row.state_since == null && row.state === 'unknown' ? null : (row.state as InstanceState);
      const body: EventBody = { type: 'instance_status', instance: status, previous_state: previous };
      const events = await appendEvents(trx, change.tenantId, lastSeq, [body], Date.now());
      return { outcome: 'changed', status, before: instanceStatus(row), events };
    });
  }

  /**
   * Notes that the provider posted a webhook for the instance. Written at most
   * every few seconds per instance, and with the other instances' notes in
   * one statement (webhook-touches.ts), so the webhook path stays cheap.
   */
  async touchWebhook(instanceId: string, at: number): Promise<void> {
    const last = this.touched.get(instanceId);
    if (last !== undefined && at - last < TOUCH_EVERY_MS) return;
    this.touched.set(instanceId, at);
    await this.touches.touch(instanceId, at);
  }

  /** Writes the webhook times still pending. */
  close(): Promise<void> {
    return this.touches.close();
  }
}

/**
 * Leases for cluster-wide jobs (active checks, backfill): one node holds a
 * name until its lease runs out or it releases it.
 */
export class LeaseStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Takes or renews `name` for `holder` until `now + ttlMs`; false while another holder's lease runs. */
  async acquire(name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    const until = now + ttlMs;
    await this.db
      .insertInto('leases')
      .values({ name, holder, until })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, until })
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.until', '<', now)])),
      )
      .execute();
    const row = await this.db
      .selectFrom('leases')
      .select(['holder', 'until'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.holder === holder && Number(row.until) === until;
  }

  /** Gives `name` up if `holder` has it. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  /** Who holds `name` now, if anyone. */
  async holder(name: string, now = Date.now()): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('leases')
      .select(['holder', 'until'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row && Number(row.until) >= now ? row.holder : undefined;
  }
}

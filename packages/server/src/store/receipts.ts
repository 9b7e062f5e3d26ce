import type { Kysely, Selectable } from 'kysely';
import type { WebhookReceipt } from '../core/index.js';
import { type Executor, prepared } from './prepared.js';
import type { Database, WebhookReceiptsTable } from './schema.js';

/** Every webhook leaves a receipt: what came, where it went, and why. */
export class ReceiptStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(r: WebhookReceipt): Promise<void> {
    await insertReceipt(this.db, r);
  }

  /** Most recent receipts first, optionally filtered. */
  async list(
    filter: { tenantId?: string; instanceName?: string; outcome?: string; limit?: number } = {},
  ): Promise<WebhookReceipt[]> {
    let q = this.db
      .selectFrom('webhook_receipts')
      .selectAll()
      .orderBy('received_at', 'desc')
      .limit(filter.limit ?? 100);
    if (filter.tenantId !== undefined) q = q.where('tenant_id', '=', filter.tenantId);
    if (filter.instanceName !== undefined) q = q.where('instance_name', '=', filter.instanceName);
    if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
    const rows = await q.execute();
    return rows.map(receiptFromRow);
  }

  /**
   * A tenant's receipts since `since` counted per instance name and outcome,
   * with the newest of each; probe webhooks (trace `probe-…`) left out.
   */
  async outcomesByInstance(
    tenantId: string,
    since: number,
  ): Promise<{ instanceName: string | null; outcome: string; count: number; lastAt: number }[]> {
    const rows = await this.db
      .selectFrom('webhook_receipts')
      .select(['instance_name', 'outcome'])
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('received_at').as('last_at')])
      .where('tenant_id', '=', tenantId)
      .where('received_at', '>=', since)
      .where('trace_id', 'not like', 'probe-%')
      .groupBy(['instance_name', 'outcome'])
      .execute();
    return rows.map((r) => ({
      instanceName: r.instance_name,
      outcome: r.outcome,
      count: Number(r.n),
      lastAt: Number(r.last_at),
    }));
  }

  /** Messages (`messages.upsert` items) an instance's webhooks brought since `since`, probes aside. */
  async messagesReceived(tenantId: string, instanceName: string, since: number): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_receipts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('instance_name', '=', instanceName)
      .where('received_at', '>=', since)
      .where('event', '=', 'messages.upsert')
      .where('outcome', 'in', ['accepted', 'duplicate'])
      .where('trace_id', 'not like', 'probe-%')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * When the instance's webhooks got through (accepted, duplicate, ignored)
   * since `since`, epoch ms, newest first, at most `limit`; probes left out.
   * The instance's usual traffic, for doctor's `upstream` hop.
   */
  async arrivals(tenantId: string, instanceName: string, since: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('webhook_receipts')
      .select('received_at')
      .where('tenant_id', '=', tenantId)
      .where('instance_name', '=', instanceName)
      .where('received_at', '>=', since)
      .where('outcome', 'in', ['accepted', 'duplicate', 'ignored'])
      .where('trace_id', 'not like', 'probe-%')
      .orderBy('received_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => Number(r.received_at));
  }

  /**
   * Unroutable and rejected receipts since `since` that belong to the tenant,
   * name one of its instances, or mention one of its numbers (in the reason or
   * the body excerpt): where its webhooks went when they did not arrive.
   */
  async suspects(f: {
    tenantId: string;
    instanceNames: string[];
    numbers: string[];
    since: number;
    limit: number;
  }): Promise<WebhookReceipt[]> {
    const rows = await this.db
      .selectFrom('webhook_receipts')
      .selectAll()
      .where('outcome', 'in', ['unroutable', 'rejected'])
      .where('received_at', '>=', f.since)
      .where((eb) =>
        eb.or([
          eb('tenant_id', '=', f.tenantId),
          ...(f.instanceNames.length > 0 ? [eb('instance_name', 'in', f.instanceNames)] : []),
          ...f.numbers.flatMap((n) => [eb('reason', 'like', `%${n}%`), eb('body_excerpt', 'like', `%${n}%`)]),
        ]),
      )
      .orderBy('received_at', 'desc')
      .limit(f.limit)
      .execute();
    return rows.map(receiptFromRow);
  }

  /**
   * Webhooks since `since` from one of `numbers` (E.164 digits, the
   * `sender_number` column) that were routed to a tenant other than
   * `tenantId`, counted per tenant and instance with the newest of each; probe
   * webhooks left out. Where a tenant's WhatsApp account is being stored when
   * another tenant's instance, with no number configured, takes its webhooks.
   */
  async routedElsewhere(f: {
    tenantId: string;
    numbers: string[];
    since: number;
  }): Promise<
    { senderNumber: string; tenantId: string; instanceName: string | null; count: number; lastAt: number }[]
  > {
    if (f.numbers.length === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_receipts')
      .select(['sender_number', 'tenant_id', 'instance_name'])
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('received_at').as('last_at')])
      .where('sender_number', 'in', f.numbers)
      .where('received_at', '>=', f.since)
      .where('tenant_id', 'is not', null)
      .where('tenant_id', '<>', f.tenantId)
      .where('outcome', 'in', ['accepted', 'duplicate', 'ignored'])
      .where('trace_id', 'not like', 'probe-%')
      .groupBy(['sender_number', 'tenant_id', 'instance_name'])
      .execute();
    return rows
      .map((r) => ({
        senderNumber: String(r.sender_number),
        tenantId: String(r.tenant_id),
        instanceName: r.instance_name,
        count: Number(r.n),
        lastAt: Number(r.last_at),
      }))
      .sort((a, b) => b.lastAt - a.lastAt);
  }

  /** The receipts of one message or trace (for `newton trace`), oldest first. */
  async find(f: {
    messageId?: string;
    providerMessageId?: string;
    traceId?: string;
  }): Promise<WebhookReceipt[]> {
    const rows = await this.db
      .selectFrom('webhook_receipts')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(f.messageId ? [eb('message_id', '=', f.messageId)] : []),
          ...(f.providerMessageId ? [eb('provider_message_id', '=', f.providerMessageId)] : []),
          ...(f.traceId ? [eb('trace_id', '=', f.traceId)] : []),
        ]),
      )
      .orderBy('received_at')
      .limit(50)
      .execute();
    return rows.map(receiptFromRow);
  }

  /** Keeps the newest `keep` receipts; returns how many were removed. */
  async prune(keep: number): Promise<number> {
    const cutoff = await this.db
      .selectFrom('webhook_receipts')
      .select('received_at')
      .orderBy('received_at', 'desc')
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    if (!cutoff) return 0;
    const res = await this.db
      .deleteFrom('webhook_receipts')
      .where('received_at', '<=', cutoff.received_at)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function receiptFromRow(row: Selectable<WebhookReceiptsTable>): WebhookReceipt {
  return {
    id: row.id,
    receivedAt: Number(row.received_at),
    provider: row.provider as WebhookReceipt['provider'],
    event: row.event,
    instanceName: row.instance_name,
    tenantId: row.tenant_id,
    instanceId: row.instance_id,
    outcome: row.outcome as WebhookReceipt['outcome'],
    reason: row.reason,
    providerMessageId: row.provider_message_id,
    messageId: row.message_id,
    traceId: row.trace_id,
    bodySize: Number(row.body_size),
    bodyExcerpt: row.body_excerpt,
    senderNumber: row.sender_number,
  };
}

export const insertReceiptRow = prepared((db, p: WebhookReceiptsTable) =>
  db.insertInto('webhook_receipts').values(p),
);

/** Inserts one receipt; used on its own or inside the transaction that stored the message. */
export async function insertReceipt(db: Executor, r: WebhookReceipt): Promise<void> {
  await insertReceiptRow(db, receiptRow(r));
}

/** The table row of a receipt. */
export function receiptRow(r: WebhookReceipt): WebhookReceiptsTable {
  return {
    id: r.id,
    received_at: r.receivedAt,
    provider: r.provider,
    event: r.event,
    instance_name: r.instanceName,
    tenant_id: r.tenantId,
    instance_id: r.instanceId,
    outcome: r.outcome,
    reason: r.reason,
    provider_message_id: r.providerMessageId,
    message_id: r.messageId,
    trace_id: r.traceId,
    body_size: r.bodySize,
    body_excerpt: r.bodyExcerpt,
    sender_number: r.senderNumber ?? null,
  };
}

import type { Kysely } from 'kysely';
import { type Executor, prepared } from './prepared.js';
import type { Database, WebhookReceiptsTable } from './schema.js';
import type { WebhookReceipt } from './types.js';

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
    return rows.map((row) => ({
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
    }));
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

const insertReceiptRow = prepared((db, p: WebhookReceiptsTable) =>
  db.insertInto('webhook_receipts').values(p),
);

/** Inserts one receipt; used on its own or inside the transaction that stored the message. */
export async function insertReceipt(db: Executor, r: WebhookReceipt): Promise<void> {
  await insertReceiptRow(db, {
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
  });
}

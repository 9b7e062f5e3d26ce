import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Rows deleted per statement, so that pruning never holds the write lock for long. */
const DELETE_BATCH = 2000;

export interface RetentionPolicy {
  /** Events older than this are pruned. */
  maxAgeMs: number;
  /** At most this many events are kept per tenant. */
  maxEvents: number;
}

/**
 * Removes a tenant's events with seq <= `throughSeq`. `pruned_through` moves
 * first (monotonically, so concurrent pruners on several nodes agree), so a
 * resume never reads a half-deleted range; rows then go in small batches.
 */
export async function pruneEvents(
  db: Kysely<Database>,
  tenantId: string,
  throughSeq: number,
): Promise<number> {
  const t = await db
    .selectFrom('tenants')
    .select(['last_seq', 'pruned_through'])
    .where('id', '=', tenantId)
    .executeTakeFirst();
  if (!t) return 0;
  const from = Number(t.pruned_through);
  const through = Math.min(throughSeq, Number(t.last_seq));
  if (through <= from) return 0;
  await db
    .updateTable('tenants')
    .set({ pruned_through: through })
    .where('id', '=', tenantId)
    .where('pruned_through', '<', through)
    .execute();
  // Start at the oldest row left, which may lie below `from` if an earlier pruner stopped midway.
  const oldest = await db
    .selectFrom('events')
    .select((eb) => eb.fn.min('seq').as('seq'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  let deleted = 0;
  for (let lo = Math.min(from, Number(oldest?.seq ?? from + 1) - 1); lo < through; lo += DELETE_BATCH) {
    const hi = Math.min(lo + DELETE_BATCH, through);
    const res = await db
      .deleteFrom('events')
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', lo)
      .where('seq', '<=', hi)
      .executeTakeFirst();
    deleted += Number(res.numDeletedRows);
  }
  return deleted;
}

/** Applies the retention policy to every tenant; returns the events removed. */
export async function applyRetention(
  db: Kysely<Database>,
  policy: RetentionPolicy,
  now: number,
): Promise<number> {
  const tenants = await db
    .selectFrom('tenants')
    .select(['id', 'last_seq', 'pruned_through'])
    .whereRef('last_seq', '>', 'pruned_through')
    .execute();
  let removed = 0;
  for (const t of tenants) {
    const lastSeq = Number(t.last_seq);
    const byCount = lastSeq - policy.maxEvents;
    // The first event young enough to keep; everything before it may go.
    const firstKept = await db
      .selectFrom('events')
      .select('seq')
      .where('tenant_id', '=', t.id)
      .where('seq', '>', Number(t.pruned_through))
      .where('created_at', '>=', now - policy.maxAgeMs)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    const byAge = firstKept ? Number(firstKept.seq) - 1 : lastSeq;
    const through = Math.max(byCount, byAge);
    if (through > Number(t.pruned_through)) removed += await pruneEvents(db, t.id, through);
  }
  return removed;
}

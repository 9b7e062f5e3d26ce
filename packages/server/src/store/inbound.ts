/**
 * The store's front door for what providers report: new messages (and the
 * echoes of replies sent from the CRM), delivery statuses, edits, reactions
 * and deletions. Each
 * commits its rows, its events and the webhook's receipt in one transaction
 * (on SQLite, in the shared group commit) and returns the events to publish.
 * Knows nothing of providers: they hand over core's shapes, already routed.
 */
import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type {
  InboundMessage,
  IngestResult,
  MessageDeletion,
  MessageEdit,
  MessageReactionChange,
  RecoveredMessage,
  StatusUpdate,
  WebhookReceipt,
} from '../core/index.js';
import { applyDeletion } from './deletions.js';
import { applyEdit, type EditResult } from './edits.js';
import { ingestMessage } from './ingest.js';
import { ingestInboundPostgres } from './ingest-pg.js';
import { IngestBatchQueue } from './ingest-pg-queue.js';
import { ingestRecovered } from './ingest-recovered.js';
import { applyReaction, type ChangeResult } from './reactions.js';
import type { Database } from './schema.js';
import { applyStatus, type StatusStoreResult } from './statuses.js';

/**
 * Runs work in a write transaction (SQLite: the group commit; PostgreSQL: its
 * own). `background` work (backfill) yields to the rest in the group commit.
 */
export type Write = <T>(
  work: (trx: Transaction<Database>) => Promise<T>,
  background?: boolean,
  /** Background work's messages (the group commit bounds them per transaction). */
  weight?: number,
) => Promise<T>;

/**
 * Recovered messages per transaction: on SQLite one group-commit job of this
 * many (a few milliseconds of work, so a webhook never waits long behind it).
 */
const RECOVERED_CHUNK = 12;

export class InboundStore {
  /** PostgreSQL: inbound messages in batches, the group commit of ingest-pg-queue.ts. */
  private readonly batches: IngestBatchQueue | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
    /** PostgreSQL only: the pool of the webhook path's named statements (ingest-pg.ts, pg-pools.ts). */
    private readonly pool: pg.Pool | undefined,
  ) {
    this.batches = pool
      ? new IngestBatchQueue((items) =>
          ingestInboundPostgres(pool, items, ({ message: m, receipt }) =>
            this.write((trx) => ingestMessage(trx, m, receipt), m.recovered === true),
          ),
        )
      : undefined;
  }

  /**
   * A message: message, lead, conversation, their events and the webhook's
   * receipt, in one transaction; resolves once it is committed. A recovered
   * one (backfill) is background work: webhooks go first.
   */
  message(m: InboundMessage, receipt?: WebhookReceipt): Promise<IngestResult> {
    // PostgreSQL: inbound messages in batches of two statements (echoes and deferred statuses take the transaction).
    if (m.direction === 'inbound' && this.batches) return this.batches.submit({ message: m, receipt });
    return this.write((trx) => ingestMessage(trx, m, receipt), m.recovered === true);
  }

  /**
   * Messages recovered by backfill (one tenant and instance, oldest first),
   * each with its receipt: stored as message() would store them one by one
   * (store/ingest-recovered.ts), a chunk per transaction, as background work.
   * A message the instance has already (its webhook came meanwhile) is a
   * `duplicate`: no receipt, no event. One promise per chunk, in order; each
   * settles once its chunk is committed.
   */
  recovered(items: RecoveredMessage[]): Promise<IngestResult[]>[] {
    const chunks: RecoveredMessage[][] = [];
    for (let i = 0; i < items.length; i += RECOVERED_CHUNK) chunks.push(items.slice(i, i + RECOVERED_CHUNK));
    const work = (c: RecoveredMessage[]) => (trx: Transaction<Database>) => ingestRecovered(trx, c);
    // SQLite: queued at once (the group commit keeps their order); PostgreSQL: one after the other.
    if (!this.pool) return chunks.map((c) => this.write(work(c), true, c.length));
    let previous: Promise<unknown> = Promise.resolve();
    return chunks.map((c) => {
      const next = previous.then(
        () => this.write(work(c)),
        () => this.write(work(c)),
      );
      previous = next;
      return next;
    });
  }

  /**
   * Which of these provider message ids the instance's messages already have
   * (one read, no transaction): what a backfill page can skip.
   */
  async known(tenantId: string, instanceId: string, providerIds: string[]): Promise<Set<string>> {
    if (providerIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('messages')
      .select('provider_message_id')
      .where('tenant_id', '=', tenantId)
      .where('instance_id', '=', instanceId)
      .where('provider_message_id', 'in', providerIds)
      .execute();
    return new Set(rows.map((r) => r.provider_message_id));
  }

  /** A provider's status report (forward-only; kept when the message is not known yet). */
  status(u: StatusUpdate): Promise<StatusStoreResult> {
    return this.write((trx) => applyStatus(trx, u));
  }

  /** An edit made on WhatsApp: new content with `message_updated` (store/edits.ts). */
  edit(e: MessageEdit): Promise<EditResult> {
    return this.write((trx) => applyEdit(trx, e));
  }

  /** A reaction added, changed or removed on a stored message (store/reactions.ts). */
  react(c: MessageReactionChange): Promise<ChangeResult> {
    return this.write((trx) => applyReaction(trx, c));
  }

  /** A message deleted for everyone by its author (store/deletions.ts). */
  delete(d: MessageDeletion): Promise<ChangeResult> {
    return this.write((trx) => applyDeletion(trx, d));
  }
}

import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { EventLogReader, TenantEvent, TenantLogState } from '../core/index.js';
import { AdminStore } from './admin.js';
import { AssignmentStore } from './assignment.js';
import { Checkpointer } from './checkpointer.js';
import { ConversationStatusStore } from './conversation-status.js';
import { type Dialect, migrate, openPostgres, openSqlite } from './db.js';
import { logState, readEvents } from './event-log.js';
import { InboundStore, type Write } from './inbound.js';
import { InboxStore } from './inbox.js';
import { InstanceStateStore, LeaseStore } from './instance-state.js';
import { LabelStore } from './labels.js';
import { LeadPanelStore } from './lead-panel.js';
import { LeadStore } from './leads.js';
import { MediaStore } from './media.js';
import { MediaStateStore } from './media-state.js';
import { NoteStore } from './notes.js';
import { OutboundStore } from './outbound.js';
import { PresenceLookup } from './presence-lookup.js';
import { ProbeRowStore } from './probe-rows.js';
import { ReceiptStore } from './receipts.js';
import { applyRetention, pruneEvents, type RetentionPolicy } from './retention.js';
import type { Database } from './schema.js';
import { SearchStore } from './search.js';
import { SearchIndexer } from './search-indexer.js';
import { UserStore } from './users.js';
import type { WalSync } from './wal-sync.js';
import { WriteBatcher } from './write-batcher.js';

export type { AdminStore } from './admin.js';
export type { AssignmentStore, AssignResult, AutoAssignResult } from './assignment.js';
export type { ConversationStatusStore, Reopened, StatusResult } from './conversation-status.js';
export type { Dialect } from './db.js';
export type { EditResult } from './edits.js';
export type { InboundStore } from './inbound.js';
export { InvalidCursorError } from './inbox.js';
export { UnknownTenantError } from './ingest.js';
export type { InstanceStateResult, InstanceStateStore, LeaseStore } from './instance-state.js';
export type { ConversationLabelResult, LabelChangeResult, LabelStore } from './labels.js';
export { MAX_LABELS_PER_TENANT } from './labels.js';
export type { LeadEdit, LeadEditResult, LeadPanelStore } from './lead-panel.js';
export type { LeadProfileResult, LeadStore, NumberChangeResult } from './leads.js';
export type { MediaSource, MediaStore } from './media.js';
export type { MediaFailure, MediaRecord, MediaState, MediaStateStore, StoredFile } from './media-state.js';
export type { AddNoteResult, NoteStore } from './notes.js';
export type {
  CreateReplyResult,
  NewReply,
  OutboundStore,
  ReadResult,
  ReplyTarget,
  RetryResult,
  SendJob,
  StoredUpload,
} from './outbound.js';
export type { ProbeRowStore, RemovedProbeRows } from './probe-rows.js';
export type { ReceiptStore } from './receipts.js';
export type { RetentionPolicy } from './retention.js';
export type { SearchStore } from './search.js';
export type { RecordSentResult, StatusStoreResult } from './statuses.js';
export { isPlaceholder } from './statuses.js';
export { type TenantLookupOptions, tenantExists } from './tenant-lookup.js';
export type { NewUser, UserPatch, UserStore, UserWrite } from './users.js';
export { adminUser, defaultColor, publicUser, UserExistsError } from './users.js';

/**
 * Durable state of Newton. One implementation over Kysely serves both SQLite
 * (embedded default) and PostgreSQL; nothing here knows of providers, HTTP or
 * sockets.
 */
export class Store implements EventLogReader {
  readonly admin: AdminStore;
  readonly inbox: InboxStore;
  readonly receipts: ReceiptStore;
  /** Where a message's media comes from (`GET /api/messages/{id}/media`). */
  readonly media: MediaStore;
  /** What became of each message's media bytes (the media keeper's queue). */
  readonly mediaState: MediaStateStore;
  /** What providers report: new messages, statuses and edits (the webhook path's front door). */
  readonly inbound: InboundStore;
  /** Lead changes providers report without a message: contact sync, a new number (#13). */
  readonly leads: LeadStore;
  /** The lead panel: a lead's detail and agents' edits (#15). */
  readonly leadPanel: LeadPanelStore;
  /** Replies from the CRM, their sends and statuses, marking read. */
  readonly outbound: OutboundStore;
  /** What providers say of each instance's WhatsApp session, and when they last posted. */
  readonly instances: InstanceStateStore;
  /** One node at a time for cluster-wide jobs (checks, backfill). */
  readonly leases: LeaseStore;
  /** What diagnostics probes leave behind, removed after each probe. */
  readonly probes: ProbeRowStore;
  /** Conversations' triage status and the snoozes that fall due (#15). */
  readonly conversationStatus: ConversationStatusStore;
  /** Internal notes on conversations (#15). */
  readonly notes: NoteStore;
  /** The tenant's labels and the labels on its conversations (#15). */
  readonly labels: LabelStore;
  /** Which conversations presence and typing are about (#15; reads only). */
  readonly presence: PresenceLookup;
  /** Full-text search over the tenant's messages and leads (migration 015). */
  readonly search: SearchStore;
  /** The tenant's users (agents and admins) and the round-robin setting (#15). */
  readonly users: UserStore;
  /** Who owns each conversation (#15). */
  readonly assignment: AssignmentStore;
  /** SQLite only: concurrent writes share one transaction and one fsync. */
  private readonly batcher: WriteBatcher | undefined;
  /** SQLite only: WAL checkpoints off the event loop. */
  private checkpointer: Checkpointer | undefined;
  /** SQLite only: indexes the messages queued for search (migration 020). */
  private readonly searchIndexer: SearchIndexer | undefined;
  /** Where background work (checkpoints, the search indexer) reports its errors. */
  private onBackgroundError: ((message: string) => void) | undefined;
  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    readonly location: string,
    /** PostgreSQL only: the pool under `db`. */
    readonly pool: pg.Pool | undefined,
    /** PostgreSQL only: the webhook write path's named statements (ingest-pg.ts), generic plans (pg-pools.ts). */
    readonly ingestPool: pg.Pool | undefined,
    /** SQLite only: commits synced off the event loop, for background work (wal-sync.ts). */
    private readonly walSync?: WalSync,
    /** Keep the instances webhooks name (instance-cache.ts, instance-cache-sqlite.ts). */
    cacheInstances = true,
  ) {
    this.admin = new AdminStore(db, pool, cacheInstances);
    this.inbox = new InboxStore(db);
    this.receipts = new ReceiptStore(db);
    this.media = new MediaStore(db);
    // PostgreSQL commits concurrent transactions in parallel (and serialises only
    // writers of one tenant); batching there would lock several tenants at once.
    this.batcher = dialect === 'sqlite' ? new WriteBatcher(db, walSync) : undefined;
    const write: Write = (work, background, weight) =>
      this.batcher ? this.batcher.run(work, background, weight) : db.transaction().execute(work);
    this.inbound = new InboundStore(db, write, ingestPool);
    this.leads = new LeadStore(write);
    this.leadPanel = new LeadPanelStore(db, write, this.inbox);
    this.outbound = new OutboundStore(db, write);
    this.instances = new InstanceStateStore(db, write);
    this.leases = new LeaseStore(db);
    this.probes = new ProbeRowStore(db, write);
    this.presence = new PresenceLookup(db);
    this.mediaState = new MediaStateStore(db, write);
    this.conversationStatus = new ConversationStatusStore(db, write);
    this.notes = new NoteStore(db, write);
    this.labels = new LabelStore(db, write);
    this.searchIndexer = this.batcher
      ? new SearchIndexer(db, write, (message) => this.onBackgroundError?.(`search index: ${message}`))
      : undefined;
    const indexer = this.searchIndexer;
    this.search = new SearchStore(db, dialect, this.inbox, () => indexer?.catchUp() ?? Promise.resolve());
    this.users = new UserStore(db, write);
    this.assignment = new AssignmentStore(write);
  }

  /** Opens the database named by the options and applies pending migrations. */
  static async open(opts: {
    dataDir: string;
    databaseUrl?: string | undefined;
    /** PostgreSQL connections per node. @default 10 */
    poolSize?: number;
    /** SQLite: background WAL checkpoint interval; 0 leaves checkpoints to SQLite. @default 250 */
    checkpointIntervalMs?: number;
    /**
     * SQLite: how often the messages queued for search are indexed; 0 only when
     * a search asks (migration 020).
     * @default 200
     */
    searchIndexIntervalMs?: number;
    onBackgroundError?: (message: string) => void;
    /**
     * Keep the instances webhooks name in memory: on PostgreSQL exact by the
     * database's notifications, over a connection of its own opened at the
     * first lookup (instance-cache.ts); on SQLite by a version its triggers
     * move (instance-cache-sqlite.ts). A short-lived command looks one up
     * once and has no use for it.
     * @default true
     */
    cacheInstances?: boolean;
  }): Promise<Store> {
    const opened = opts.databaseUrl
      ? await openPostgres(opts.databaseUrl, opts.poolSize ?? 10)
      : openSqlite(opts.dataDir);
    try {
      await migrate(opened.db);
    } catch (err) {
      // A database that is missing or unreachable: release the pool (or file) before saying so.
      await opened.db.destroy().catch(() => {});
      if (opened.ingestPool !== opened.pool) await opened.ingestPool?.end().catch(() => {});
      throw err;
    }
    const store = new Store(
      opened.db,
      opened.dialect,
      opened.location,
      opened.pool,
      opened.ingestPool,
      opened.walSync,
      opts.cacheInstances ?? true,
    );
    store.onBackgroundError = opts.onBackgroundError;
    store.searchIndexer?.start(opts.searchIndexIntervalMs ?? 200);
    if (opened.dialect === 'sqlite' && opts.checkpointIntervalMs !== 0) {
      store.checkpointer = new Checkpointer(opened.location, opts.checkpointIntervalMs ?? 250, (message) =>
        opts.onBackgroundError?.(`wal checkpoint: ${message}`),
      );
    }
    return store;
  }

  logState(tenantId: string): Promise<TenantLogState | undefined> {
    return logState(this.db, tenantId);
  }

  readEvents(tenantId: string, after: number, upTo: number, limit: number): Promise<TenantEvent[]> {
    return readEvents(this.db, tenantId, after, upTo, limit);
  }

  /** Removes a tenant's events with seq <= `throughSeq`; a `since` below it then needs a resync. */
  pruneEvents(tenantId: string, throughSeq: number): Promise<number> {
    return pruneEvents(this.db, tenantId, throughSeq);
  }

  /** Prunes every tenant's event history down to the policy; returns the events removed. */
  applyRetention(policy: RetentionPolicy, now = Date.now()): Promise<number> {
    return applyRetention(this.db, policy, now);
  }

  /** Last seq of each of the given tenants (those that exist). */
  async heads(tenantIds: string[]): Promise<Map<string, number>> {
    if (tenantIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('tenants')
      .select(['id', 'last_seq'])
      .where('id', 'in', tenantIds)
      .execute();
    return new Map(rows.map((r) => [r.id, Number(r.last_seq)]));
  }

  /** A cheap query proving the database answers. */
  async ping(): Promise<void> {
    await this.db.selectFrom('tenants').select('id').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.instances.close();
    await this.admin.close();
    await this.searchIndexer?.stop();
    await this.checkpointer?.stop();
    await this.db.destroy();
    if (this.ingestPool !== this.pool) await this.ingestPool?.end();
    await this.walSync?.close();
  }
}

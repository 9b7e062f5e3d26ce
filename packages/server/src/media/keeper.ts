/**
 * The media keeper (#13, "Durable media"): right after a message with media
 * is stored, its bytes are fetched from the provider (or taken from the
 * webhook when the provider embedded them) and kept in the media store, in
 * the background of the webhooks and a few at a time. A failed attempt is
 * recorded with its reason and retried with backoff; the record lives in the
 * database, so a restarted node's sweep picks up what is due. `media_ready`
 * and `media_failed` go through the tenant's event log like every event.
 */

import type { Readable } from 'node:stream';
import type { EventBus, Logger, TenantEvent } from '../core/index.js';
import { backoffMs } from '../pipeline/index.js';
import { publishCommitted } from '../pipeline/publish.js';
import type { MediaFetchers } from '../providers/index.js';
import type { Store } from '../store/index.js';
import { type BlobStore, blobKey } from './blob-store.js';
import {
  type FetchedMedia,
  fetchMedia,
  type InlineBytes,
  inlineBytes,
  MediaKeepError,
  sha256Hex,
} from './fetch-bytes.js';
import type { FsBlobStore } from './fs-blob-store.js';

export interface MediaKeeperOptions {
  /** Largest file kept (MEDIA_MAX_BYTES). */
  maxBytes: number;
  /** Time limit of one fetch (MEDIA_FETCH_TIMEOUT_MS). */
  timeoutMs: number;
  /** Files fetched at once (MEDIA_CONCURRENCY). */
  concurrency: number;
  /** Attempts before giving up (MEDIA_MAX_ATTEMPTS). */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Sweep for due retries this often; 0: only at start. */
  sweepIntervalMs: number;
  /** The clock retries are scheduled and found by. @default Date.now */
  now?: () => number;
}

interface Job {
  tenantId: string;
  messageId: string;
  traceId: string;
  /** Bytes from the webhook itself; used on the first attempt only. */
  inline?: InlineBytes | undefined;
}

/** Media looked for per sweep. */
const SWEEP_BATCH = 100;
/** A claim outlives the fetch by this much, so that a slow store write is not taken over. */
const LEASE_SLACK_MS = 30_000;

export class MediaKeeper {
  private readonly queue: Job[] = [];
  /** Queued or running here, by message id. */
  private readonly known = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  /** keep() calls still recording their media (before it is queued). */
  private readonly tracking = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private sweeper: NodeJS.Timeout | undefined;
  readonly now: () => number;

  constructor(
    private readonly store: Store,
    readonly blobs: BlobStore,
    private readonly fetchers: MediaFetchers,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly o: MediaKeeperOptions,
    /**
     * Local files for bytes fetched while a remote media store (S3) was down:
     * the retry stores them from here, so a provider that forgot the media
     * meanwhile loses nothing. None for `fs` (the store is the local disk).
     */
    private readonly spool?: FsBlobStore,
  ) {
    this.now = o.now ?? Date.now;
  }

  /**
   * A message with media was stored with its `pending` record (the write
   * paths commit it with the message, store/media-pending.ts): fetch it in
   * the background. Never throws and never waits for the fetch.
   */
  fetchStored(tenantId: string, messageId: string, traceId: string, inline?: InlineBytes): void {
    this.enqueue({ tenantId, messageId, traceId, inline });
  }

  /**
   * Media of a message without a record yet (stored before media were kept):
   * record it as `pending` and fetch it in the background. Never throws and
   * never waits for the fetch.
   */
  keep(tenantId: string, messageId: string, traceId: string, inline?: InlineBytes): void {
    if (this.stopping.signal.aborted) return;
    const tracked: Promise<void> = this.store.mediaState
      .track(tenantId, messageId, this.now())
      .then(() => {
        this.enqueue({ tenantId, messageId, traceId, inline });
      })
      .catch((err) =>
        this.logger.warn(
          { err, tenant: tenantId, message_id: messageId },
          'media not tracked: the sweep cannot retry it',
        ),
      )
      .finally(() => this.tracking.delete(tracked));
    this.tracking.add(tracked);
  }

  /** Looks for media whose next attempt is due (on this clock) and queues them; returns how many. */
  async sweep(): Promise<number> {
    const due = await this.store.mediaState.due(this.now(), SWEEP_BATCH);
    let queued = 0;
    for (const d of due) if (this.enqueue({ ...d, traceId: `media:${d.messageId}` })) queued++;
    if (queued > 0) this.logger.info({ queued }, 'media retries queued');
    return queued;
  }

  /** Sweeps now (retries survive a restart) and then every MEDIA_SWEEP_INTERVAL_MS. */
  start(): void {
    const sweep = () => {
      this.sweep().catch((err) => this.logger.warn({ err }, 'media sweep failed'));
    };
    sweep();
    if (this.o.sweepIntervalMs > 0 && !this.sweeper) {
      this.sweeper = setInterval(sweep, this.o.sweepIntervalMs);
      this.sweeper.unref();
    }
  }

  /** Resolves once nothing is queued or running here (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.tracking.size > 0) {
      await Promise.allSettled([...this.tracking, ...this.running]);
    }
  }

  /** Stops: fetches in flight are aborted and released; any node's sweep retries them. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.stopping.abort();
    this.queue.length = 0;
    await this.idle();
    this.blobs.close();
  }

  private enqueue(job: Job): boolean {
    if (this.stopping.signal.aborted || this.known.has(job.messageId)) return false;
    this.known.add(job.messageId);
    this.queue.push(job);
    this.pump();
    return true;
  }

  private pump(): void {
    while (this.running.size < this.o.concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      const run: Promise<void> = this.attempt(job)
        .catch((err) =>
          this.logger.error(
            { err, tenant: job.tenantId, message_id: job.messageId },
            'media attempt crashed',
          ),
        )
        .finally(() => {
          this.running.delete(run);
          this.known.delete(job.messageId);
          this.pump();
        });
      this.running.add(run);
    }
  }

  private async attempt(job: Job): Promise<void> {
    const log = this.logger.child({ trace: job.traceId, tenant: job.tenantId, message_id: job.messageId });
    const started = this.now();
    const claimed = await this.store.mediaState.claim(
      job.messageId,
      started,
      started + this.o.timeoutMs + LEASE_SLACK_MS,
    );
    if (!claimed) {
      log.debug('media not fetched here: kept already, or another node holds it');
      return;
    }
    const attempt = claimed.attempts;
    let events: TenantEvent[];
    let fetched: FetchedMedia | undefined;
    try {
      const source = await this.store.media.findSource(job.tenantId, job.messageId);
      if (!source?.media) throw new MediaKeepError('not_fetchable', 'the message has no media', true);
      const spooled = claimed.sha256 ? await this.fromSpool(claimed.sha256, claimed.mimeType) : undefined;
      const got: FetchedMedia =
        spooled ??
        (job.inline
          ? await inlineBytes(source, job.inline, this.o.maxBytes)
          : await fetchMedia(this.fetchers, source, {
              maxBytes: this.o.maxBytes,
              timeoutMs: this.o.timeoutMs,
              stop: this.stopping.signal,
            }));
      fetched = got;
      const key = blobKey(got.sha256);
      try {
        await this.blobs.put(key, got.bytes, got.contentType);
      } catch (err) {
        await this.toSpool(got, log);
        throw new MediaKeepError(
          'store_unavailable',
          `the media store (${this.blobs.kind}) could not keep the file: ${(err as Error).message || (err as Error).name}`,
        );
      }
      if (spooled) await this.spool?.remove(key).catch(() => {});
      events = await this.store.mediaState.ready(
        job.tenantId,
        job.messageId,
        {
          storageKey: key,
          sha256: got.sha256,
          size: got.bytes.length,
          mimeType: got.contentType,
          fileName: source.media.file_name,
        },
        this.now(),
      );
      log.info(
        { attempt, size: got.bytes.length, store: this.blobs.kind, inline: Boolean(job.inline) },
        'media kept',
      );
    } catch (raw) {
      if (this.stopping.signal.aborted) {
        log.info({ attempt }, 'node stopping: media released for a later sweep');
        await this.store.mediaState.release(job.messageId).catch(() => {});
        return;
      }
      const err =
        raw instanceof MediaKeepError
          ? raw
          : new MediaKeepError('provider_unavailable', (raw as Error).message ?? String(raw));
      const giveUp = err.final || attempt >= this.o.maxAttempts;
      const retryAt = giveUp ? null : this.now() + backoffMs(attempt, this.o);
      events = await this.store.mediaState.failed(
        job.tenantId,
        job.messageId,
        {
          reason: err.reason,
          detail: err.message,
          retryAt,
          fetched:
            err.reason === 'store_unavailable' && fetched && this.spool
              ? { sha256: fetched.sha256, mimeType: fetched.contentType }
              : undefined,
        },
        this.now(),
      );
      log.warn(
        { attempt, reason: err.reason, detail: err.message, retry_at: retryAt },
        giveUp ? 'media not kept: giving up' : 'media not kept: will retry',
      );
    }
    await publishCommitted(this.bus, events, job.traceId, log);
  }

  private async toSpool(got: FetchedMedia, log: Logger): Promise<void> {
    if (!this.spool) return;
    await this.spool
      .put(blobKey(got.sha256), got.bytes)
      .catch((err) => log.warn({ err }, 'media not spooled: the retry fetches it again'));
  }

  /** Bytes spooled by an earlier attempt, if they are still there and intact. */
  private async fromSpool(sha256: string, mimeType: string | null): Promise<FetchedMedia | undefined> {
    if (!this.spool) return undefined;
    try {
      const chunks: Buffer[] = [];
      for await (const c of (await this.spool.read(blobKey(sha256))) as Readable) chunks.push(c as Buffer);
      const bytes = Buffer.concat(chunks);
      if ((await sha256Hex(bytes)) !== sha256) return undefined;
      return { bytes, sha256, contentType: mimeType ?? 'application/octet-stream' };
    } catch {
      return undefined;
    }
  }
}

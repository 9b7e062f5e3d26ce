/**
 * Backfill (#12): asks Evolution for the messages it holds over a window and
 * ingests every one Newton does not have, through the pipeline's Ingestor
 * (a page at a time, backfill-page.ts), so its rows and events are stored
 * and published exactly like a webhook's. The
 * store is idempotent by provider message id: a webhook arriving after its
 * backfill (or the reverse) never doubles anything. A recovered message's
 * `new_message` says `recovered: true` and its receipt says `backfilled`.
 *
 * One node at a time per tenant (lease `backfill:<tenant>`, renewed while
 * running); runs of one node queue behind each other. Pages and rate are
 * bounded; a window longer than the maximum is clipped with a notice. A
 * provider that is down, slow or refuses the key ends the run with an error
 * summary, never a throw: live webhooks are unaffected.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance, Logger, RecoveredSink } from '../core/index.js';
import { ProviderSendError } from '../core/index.js';
import { findMessages, MAX_HISTORY_PAGE } from '../providers/evolution/history.js';
import type { ReceiptRecorder } from '../providers/index.js';
import type { Store } from '../store/index.js';
import { PageIngester } from './backfill-page.js';
import {
  type BackfillCounts,
  BackfillError,
  type BackfillOptions,
  type BackfillProgress,
  type BackfillRequest,
  type BackfillSummary,
  canBackfill,
  zero,
} from './backfill-types.js';

const LEASE_POLL_MS = 1000;

/** The id a record is told apart by (DB id, else message id), for the distinct count. */
function recordKey(record: unknown, fallback: number): string {
  const r = record as { id?: unknown; key?: { id?: unknown } } | null;
  if (typeof r?.id === 'string') return r.id;
  if (typeof r?.key?.id === 'string') return `key:${r.key.id}`;
  return `#${fallback}`;
}

export class Backfiller {
  private readonly o: Required<BackfillOptions>;
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private readonly stopping = new AbortController();
  private readonly pages: PageIngester;

  constructor(
    private readonly store: Store,
    ingestor: RecoveredSink,
    receipts: ReceiptRecorder,
    private readonly logger: Logger,
    opts: BackfillOptions,
  ) {
    this.o = {
      pageSize: 100,
      rate: 5000,
      maxWindowMs: 86_400_000,
      timeoutMs: 10_000,
      leaseTtlMs: 30_000,
      leaseWaitMs: 300_000,
      now: Date.now,
      ...opts,
    };
    this.o.pageSize = Math.min(Math.max(1, this.o.pageSize), MAX_HISTORY_PAGE);
    this.pages = new PageIngester(store, ingestor, receipts, logger, this.o.now);
  }

  /** Whether a run is going or queued on this node. */
  get busy(): boolean {
    return this.queued > 0;
  }

  /** Runs one backfill after this node's earlier ones; resolves with its summary, never rejects. */
  run(req: BackfillRequest, onProgress?: (p: BackfillProgress) => void): Promise<BackfillSummary> {
    this.queued++;
    const result = this.tail.then(() =>
      this.runNow(req, onProgress).catch((err) => {
        // The store itself failed (lease, instances): a summary all the same, never a crash.
        this.logger.error({ err, tenant: req.tenantId }, 'backfill could not run');
        return this.failed(req, { code: 'store_failed', message: (err as Error).message ?? String(err) });
      }),
    );
    this.tail = result.finally(() => {
      this.queued--;
    });
    return result;
  }

  /** The summary of a run that read nothing. */
  private failed(req: BackfillRequest, error: NonNullable<BackfillSummary['error']>): BackfillSummary {
    const now = this.o.now();
    return {
      ok: false,
      tenant_id: req.tenantId,
      instance: req.instance ?? null,
      instances: [],
      trigger: req.trigger ?? 'demand',
      since: new Date(req.since).toISOString(),
      until: new Date(req.until ?? now).toISOString(),
      ...zero(),
      error,
      notices: [],
      duration_ms: 0,
    };
  }

  /** Ends the running run (its summary says `stopped`) and refuses new ones. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.tail.catch(() => {});
  }

  private async runNow(
    req: BackfillRequest,
    onProgress?: (p: BackfillProgress) => void,
  ): Promise<BackfillSummary> {
    const started = this.o.now();
    const until = req.until ?? started;
    const earliest = until - this.o.maxWindowMs;
    const notices: string[] = [];
    let since = req.since;
    if (since < earliest) {
      notices.push(
        `window clipped to ${Math.round(this.o.maxWindowMs / 60_000)} min (BACKFILL_MAX_WINDOW_MS): from ${new Date(earliest).toISOString()} instead of ${new Date(since).toISOString()}`,
      );
      since = earliest;
    }
    const trace = `backfill-${randomUUID()}`;
    const log = this.logger.child({ trace, tenant: req.tenantId, trigger: req.trigger ?? 'demand' });
    const counts = zero();
    const summary = (instances: string[], error: BackfillSummary['error'], holder?: string) => {
      const s: BackfillSummary = {
        ok: error === null && counts.errors === 0,
        tenant_id: req.tenantId,
        instance: req.instance ?? null,
        instances,
        trigger: req.trigger ?? 'demand',
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        ...counts,
        error,
        ...(holder ? { holder } : {}),
        notices,
        duration_ms: this.o.now() - started,
      };
      const fields = { ...counts, instances, since: s.since, until: s.until, ms: s.duration_ms };
      if (s.ok) log.info(fields, 'backfill done');
      else log.warn({ ...fields, error, holder }, 'backfill ended with an error');
      return s;
    };
    if (this.stopping.signal.aborted) {
      return summary([], { code: 'stopped', message: 'the node is shutting down' });
    }
    let instances: Instance[];
    try {
      instances = await this.instancesOf(req.tenantId, req.instance, notices);
    } catch (err) {
      if (err instanceof BackfillError) return summary([], { code: err.code, message: err.message });
      throw err;
    }
    const names = instances.map((i) => i.name);
    if (instances.length === 0) return summary(names, null);

    const lease = `backfill:${req.tenantId}`;
    if (!(await this.acquire(lease, req.waitForLease === true))) {
      const holder = await this.store.leases.holder(lease);
      return summary(
        names,
        {
          code: 'busy',
          message: `node ${holder ?? '(unknown)'} is backfilling tenant ${req.tenantId}`,
        },
        holder,
      );
    }
    const run = new AbortController();
    const onStop = () => run.abort();
    this.stopping.signal.addEventListener('abort', onStop);
    const renew = setInterval(() => {
      this.store.leases.acquire(lease, this.o.nodeId, this.o.leaseTtlMs).then(
        (held) => {
          if (!held) run.abort(new BackfillError('lease_lost', 'another node took the backfill lease'));
        },
        (err) => log.warn({ err }, 'could not renew the backfill lease'),
      );
    }, this.o.leaseTtlMs / 3);
    renew.unref();
    let first: BackfillSummary['error'] = null;
    try {
      log.info({ instances: names, since: new Date(since).toISOString() }, 'backfill started');
      for (const instance of instances) {
        try {
          await this.instance(instance, since, until, counts, trace, run.signal, onProgress);
        } catch (err) {
          counts.errors++;
          const failure = this.failure(err, run.signal);
          first ??= { ...failure, instance: instance.name };
          log.warn(
            { instance: instance.name, code: failure.code, reason: failure.message },
            'backfill failed',
          );
          if (run.signal.aborted) break;
        }
      }
    } finally {
      clearInterval(renew);
      this.stopping.signal.removeEventListener('abort', onStop);
      await this.store.leases.release(lease, this.o.nodeId).catch(() => {});
    }
    return summary(names, first);
  }

  /**
   * The instances a run reads: the one named (id or Evolution name), or every
   * eligible one of the tenant. Throws BackfillError when it cannot start.
   */
  async instancesOf(tenantId: string, instance?: string, notices: string[] = []): Promise<Instance[]> {
    if (!(await this.store.admin.getTenant(tenantId))) {
      throw new BackfillError('unknown_tenant', `tenant ${tenantId} does not exist`);
    }
    const all = await this.store.admin.listInstances(tenantId);
    if (instance !== undefined) {
      const found = all.find((i) => i.id === instance || (i.provider === 'evolution' && i.name === instance));
      if (!found)
        throw new BackfillError('unknown_instance', `tenant ${tenantId} has no instance "${instance}"`);
      if (!canBackfill(found)) {
        throw new BackfillError(
          'not_configured',
          `instance "${found.name}" cannot be backfilled: only Evolution instances with a URL and an API key can`,
        );
      }
      return [found];
    }
    const eligible = all.filter(canBackfill);
    const skipped = all.filter((i) => !canBackfill(i)).map((i) => i.name);
    if (skipped.length > 0) {
      notices.push(`skipped (not an Evolution instance with a URL and an API key): ${skipped.join(', ')}`);
    }
    return eligible;
  }

  /** Takes the lease, or waits for it (polling) when asked to. */
  private async acquire(lease: string, wait: boolean): Promise<boolean> {
    const deadline = this.o.now() + (wait ? this.o.leaseWaitMs : 0);
    for (;;) {
      if (await this.store.leases.acquire(lease, this.o.nodeId, this.o.leaseTtlMs)) return true;
      if (this.o.now() >= deadline || this.stopping.signal.aborted) return false;
      await sleep(LEASE_POLL_MS, undefined, { signal: this.stopping.signal }).catch(() => {});
    }
  }

  private failure(err: unknown, signal: AbortSignal): { code: string; message: string } {
    if (signal.aborted) {
      const reason = signal.reason;
      if (reason instanceof BackfillError) return { code: reason.code, message: reason.message };
      return { code: 'stopped', message: 'the node is shutting down' };
    }
    if (err instanceof ProviderSendError) return { code: err.code, message: err.reason };
    return { code: 'store_failed', message: (err as Error).message ?? String(err) };
  }

  /**
   * Pages through one instance's window, newest page first (new messages
   * arriving meanwhile only repeat records, never skip one); each page is
   * ingested oldest first. When the pages gave fewer distinct records than
   * the total the provider reported (records of one second in a different
   * order per query), it reads them once more. The next page is asked for,
   * and sorted out, while one is stored.
   */
  private async instance(
    instance: Instance,
    since: number,
    until: number,
    counts: BackfillCounts,
    trace: string,
    signal: AbortSignal,
    onProgress?: (p: BackfillProgress) => void,
  ): Promise<void> {
    const started = this.o.now();
    const seenAtStart = counts.seen;
    const distinct = new Set<string>();
    let total = 0;
    const fetchPage = async (page: number) => {
      await this.pace(started, counts.seen - seenAtStart, signal);
      const timeout = AbortSignal.timeout(this.o.timeoutMs);
      return findMessages(
        instance,
        { since, until, page, pageSize: this.o.pageSize },
        AbortSignal.any([signal, timeout]),
      );
    };
    // The page before this one may still be committing (two pages in flight at most).
    let storing: Promise<void> = Promise.resolve();
    try {
      for (let pass = 0; pass < 2; pass++) {
        let next = fetchPage(1);
        for (let page = 1; ; page++) {
          const got = await next;
          counts.pages++;
          if (page === 1 && pass === 0) total = got.total;
          for (const r of got.records) distinct.add(recordKey(r, distinct.size));
          // A short page is the last; so is one wholly older than the window (a server without the time filter).
          const last = got.records.length < this.o.pageSize || page >= got.pages;
          // The next page is read while this one is stored.
          if (!last) {
            next = fetchPage(page + 1);
            next.catch(() => {});
          }
          const { inWindow, stored } = await this.pages.ingest(
            instance,
            got.records,
            since,
            until,
            counts,
            trace,
          );
          // Progress once the page and the one before it are stored: on PostgreSQL two pages'
          // transactions may commit in either order, the progress still counts pages up.
          const previous = storing;
          const done = Promise.all([previous, stored]).then(() =>
            onProgress?.({ ...counts, instance: instance.name, page, of: got.pages }),
          );
          done.catch(() => {});
          storing = done;
          await previous;
          if (last || inWindow === 0) break;
        }
        if (distinct.size >= total) break;
      }
    } finally {
      // Whatever happens, the last page's writes end before the run does (and its lease with it).
      await storing.catch(() => {});
    }
    await storing;
  }

  /** Waits so that a run reads at most `rate` messages per second. */
  private async pace(started: number, read: number, signal: AbortSignal): Promise<void> {
    if (this.o.rate <= 0 || read === 0) return;
    const due = started + (read / this.o.rate) * 1000 - this.o.now();
    if (due > 0) await sleep(due, undefined, { signal });
  }
}

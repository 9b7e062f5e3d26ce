import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { WalSync } from './wal-sync.js';

type Work<T> = (trx: Transaction<Database>) => Promise<T>;

interface Job {
  work: Work<unknown>;
  /** Background jobs: how many messages it writes (its share of MAX_BACKGROUND). */
  weight: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Jobs per transaction at most, so that one commit never holds the write lock for long. */
const MAX_BATCH = 128;
/**
 * Background work (backfill) per transaction at most, in messages (a job's
 * weight): a webhook that arrives while it runs waits for at most this many
 * before its own transaction.
 */
const MAX_BACKGROUND = 12;
/** Foreground transactions in a row at most while background work waits (it is never starved). */
const MAX_FOREGROUND_RUNS = 4;

/**
 * Group commit for SQLite. SQLite has one writer, so concurrent write
 * transactions queue anyway; here the ones that queued while a commit was
 * running share the next transaction and its one fsync. Each job's promise
 * settles only after that commit, so a resolved job is durable. When a job
 * throws, the batch is rolled back and its jobs run again one by one, so one
 * bad job never fails the others. Background jobs (a backfill's) yield to
 * the others: they run when no foreground job waits (or after
 * MAX_FOREGROUND_RUNS foreground transactions in a row), in transactions
 * of their own of at most MAX_BACKGROUND messages, so a webhook's
 * transaction never carries them. Those are committed without an fsync on
 * the event loop and synced on the thread pool after (wal-sync.ts); their
 * jobs settle after that sync, while the next transaction already runs.
 */
export class WriteBatcher {
  private queue: Job[] = [];
  private background: Job[] = [];
  private running = false;
  private scheduled = false;
  /** Foreground transactions since the last background one. */
  private foregroundRuns = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly walSync?: WalSync,
  ) {}

  /** `weight`: a background job's messages (see MAX_BACKGROUND). */
  run<T>(work: Work<T>, background = false, weight = 1): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (background ? this.background : this.queue).push({
        work,
        weight,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.schedule();
    });
  }

  /**
   * Starts the next transaction after the current I/O phase, so every request
   * that arrived in it joins (a transaction's statements run back to back, so
   * nothing new arrives while one runs).
   */
  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    // Webhooks first, in a transaction of their own; background work when none waits (or after a few).
    const starved = this.background.length > 0 && this.foregroundRuns >= MAX_FOREGROUND_RUNS;
    const batch = starved ? [] : this.queue.splice(0, MAX_BATCH);
    const relaxed = batch.length === 0 && this.walSync !== undefined;
    this.foregroundRuns = batch.length === 0 ? 0 : this.foregroundRuns + 1;
    if (batch.length === 0) {
      let budget = MAX_BACKGROUND;
      let take = 0;
      for (const job of this.background) {
        if (take >= MAX_BATCH || (take > 0 && job.weight > budget)) break;
        budget -= job.weight;
        take++;
      }
      batch.push(...this.background.splice(0, take));
    }
    try {
      const settled =
        batch.length === 1
          ? [await this.runAlone(batch[0] as Job, relaxed)]
          : batch.length > 1
            ? await this.runBatch(batch, relaxed)
            : [];
      if (relaxed && settled.length > 0) {
        // Settled once on disk; the loop goes on meanwhile.
        this.walSync?.sync().then(
          () => settle(settled),
          (err: unknown) => {
            for (const s of settled) s.job.reject(err);
          },
        );
      } else settle(settled);
    } finally {
      this.running = false;
      if (this.queue.length > 0 || this.background.length > 0) this.schedule();
    }
  }

  /** A write transaction; `relaxed`: committed without fsync (the caller syncs). */
  private transaction<T>(work: Work<T>, relaxed: boolean): Promise<T> {
    const walSync = this.walSync;
    if (!relaxed || !walSync) return this.db.transaction().execute(work);
    // One connection held throughout: nothing else commits while the relaxed setting is on.
    return this.db.connection().execute(async (conn) => {
      walSync.relax(true);
      try {
        return await conn.transaction().execute(work);
      } finally {
        walSync.relax(false);
      }
    });
  }

  private async runBatch(batch: Job[], relaxed: boolean): Promise<Settled[]> {
    let results: unknown[];
    try {
      results = await this.transaction(async (trx) => {
        const out: unknown[] = [];
        for (const job of batch) out.push(await job.work(trx));
        return out;
      }, relaxed);
    } catch {
      const settled: Settled[] = [];
      for (const job of batch) settled.push(await this.runAlone(job, relaxed));
      return settled;
    }
    return batch.map((job, i) => ({ job, ok: true, value: results[i] }));
  }

  private async runAlone(job: Job, relaxed: boolean): Promise<Settled> {
    try {
      return { job, ok: true, value: await this.transaction(job.work, relaxed) };
    } catch (err) {
      return { job, ok: false, value: err };
    }
  }
}

interface Settled {
  job: Job;
  ok: boolean;
  /** The result, or the error. */
  value: unknown;
}

function settle(settled: Settled[]): void {
  for (const s of settled) {
    if (s.ok) s.job.resolve(s.value);
    else s.job.reject(s.value);
  }
}

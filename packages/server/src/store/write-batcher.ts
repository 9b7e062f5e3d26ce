import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Work<T> = (trx: Transaction<Database>) => Promise<T>;

interface Job {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Jobs per transaction at most, so that one commit never holds the write lock for long. */
const MAX_BATCH = 128;
/**
 * Background jobs (backfill) per transaction at most: a webhook that arrives
 * while they run waits for at most this many besides its own batch.
 */
const MAX_BACKGROUND = 24;

/**
 * Group commit for SQLite. SQLite has one writer, so concurrent write
 * transactions queue anyway; here the ones that queued while a commit was
 * running share the next transaction and its one fsync. Each job's promise
 * settles only after that commit, so a resolved job is durable. When a job
 * throws, the batch is rolled back and its jobs run again one by one, so one
 * bad job never fails the others. Background jobs (a backfill's) yield to
 * the others: they fill a transaction only after every waiting foreground
 * job, and at most MAX_BACKGROUND of them per transaction.
 */
export class WriteBatcher {
  private queue: Job[] = [];
  private background: Job[] = [];
  private running = false;
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

  run<T>(work: Work<T>, background = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (background ? this.background : this.queue).push({
        work,
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
    const batch = this.queue.splice(0, MAX_BATCH);
    batch.push(...this.background.splice(0, Math.min(MAX_BACKGROUND, MAX_BATCH - batch.length)));
    try {
      if (batch.length === 1) await this.runAlone(batch[0] as Job);
      else if (batch.length > 1) await this.runBatch(batch);
    } finally {
      this.running = false;
      if (this.queue.length > 0 || this.background.length > 0) this.schedule();
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.db.transaction().execute(async (trx) => {
        const out: unknown[] = [];
        for (const job of batch) out.push(await job.work(trx));
        return out;
      });
    } catch {
      for (const job of batch) await this.runAlone(job);
      return;
    }
    for (const [i, job] of batch.entries()) job.resolve(results[i]);
  }

  private async runAlone(job: Job): Promise<void> {
    try {
      job.resolve(await this.db.transaction().execute(job.work));
    } catch (err) {
      job.reject(err);
    }
  }
}

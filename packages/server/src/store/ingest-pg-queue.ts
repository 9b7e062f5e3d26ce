import type { IngestResult } from '../core/index.js';
import type { BatchItem } from './ingest-pg-batch.js';

/** Writes a batch of messages; one settled result per item, in order. */
export type BatchWriter = (items: BatchItem[]) => Promise<PromiseSettledResult<IngestResult>[]>;

interface Job {
  item: BatchItem;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Messages per batch at most: a bound on one statement's size and on how long
 * its row locks are held by one commit.
 * @default 64
 */
const MAX_BATCH = 64;

/**
 * Batches written at once at most. More than one, so that a tenant whose row
 * lock another node holds delays only the batch it is in; few, so that under
 * load the waiting messages make bigger batches rather than more of them.
 * @default 2
 */
const MAX_IN_FLIGHT = 2;

/**
 * The group commit of the PostgreSQL webhook path (ingest-pg.ts). A message
 * that finds a free slot is written at once, alone; the ones that arrive
 * while the slots are taken go together, in arrival order, in the next batch
 * — one read, one write, one commit for all of them, whatever their tenants.
 * A tenant is in one batch at a time: its messages that arrive while it has
 * a write in flight wait for it, so a tenant's writes on one node never race
 * each other for its row lock (each batch still guards against other nodes),
 * and its order is kept. Under load, commits grow in size instead of in
 * number: a slow event loop (a 21 MiB webhook being read, #13) or a busy
 * database (#16) no longer turns the arrival rate into a queue of round trips
 * and lock handoffs. Each job settles once its batch is committed, so a
 * resolved job is durable.
 */
export class IngestBatchQueue {
  private waiting: Job[] = [];
  /** Tenants with a write in flight. */
  private readonly busy = new Set<string>();
  private inFlight = 0;

  constructor(private readonly write: BatchWriter) {}

  submit(item: BatchItem): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Starts batches while a slot is free and a waiting message's tenant is not busy. */
  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.inFlight++;
      void this.run(batch);
    }
  }

  /** The next batch: waiting messages, in order, of tenants with no write in flight. */
  private take(): Job[] {
    const batch: Job[] = [];
    const rest: Job[] = [];
    const taken = new Set<string>();
    /** Tenants with a message left waiting: their later ones wait too, to keep their order. */
    const held = new Set<string>();
    for (const job of this.waiting) {
      const tenant = job.item.message.tenantId;
      if (batch.length < MAX_BATCH && !held.has(tenant) && !this.busy.has(tenant)) {
        batch.push(job);
        taken.add(tenant);
      } else {
        rest.push(job);
        held.add(tenant);
      }
    }
    for (const tenant of taken) this.busy.add(tenant);
    this.waiting = rest;
    return batch;
  }

  private async run(batch: Job[]): Promise<void> {
    let settled: PromiseSettledResult<IngestResult>[];
    try {
      settled = await this.write(batch.map((j) => j.item));
    } catch (err) {
      settled = batch.map(() => ({ status: 'rejected', reason: err }));
    }
    batch.forEach((job, i) => {
      const s = settled[i];
      if (s?.status === 'fulfilled') job.resolve(s.value);
      else job.reject(s ? s.reason : new Error('the batch returned no result for this message'));
    });
    for (const job of batch) this.busy.delete(job.item.message.tenantId);
    this.inFlight--;
    this.pump();
  }
}

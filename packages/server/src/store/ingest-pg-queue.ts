import type { IngestResult } from '../core/index.js';
import type { BatchItem } from './ingest-pg-batch.js';

/** Writes a batch of one tenant's messages; one settled result per item, in order. */
export type BatchWriter = (items: BatchItem[]) => Promise<PromiseSettledResult<IngestResult>[]>;

interface Job {
  item: BatchItem;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Messages per batch at most: a bound on one statement's size and on how long
 * the tenant's row lock is held by one commit.
 * @default 64
 */
const MAX_BATCH = 64;

/**
 * Group commit per tenant for the PostgreSQL webhook path (ingest-pg.ts). A
 * message of a tenant with no write in flight on this node is written at
 * once, alone; the ones that arrive while a tenant's write is in flight wait
 * for it and then go together, in arrival order, in the next batch — one
 * read, one write, one commit. So a tenant's writes on one node never race
 * each other for its row lock (each batch still guards against other nodes),
 * and under load a tenant's commits grow in size instead of in number: a
 * slow event loop (a 21 MiB webhook being read, #13) or a busy database
 * (#16) no longer turns its arrival rate into a queue of lock handoffs. Each
 * job settles once its batch is committed, so a resolved job is durable.
 */
export class TenantBatchQueue {
  /** Per tenant with a write in flight: the jobs waiting for it. */
  private readonly waiting = new Map<string, Job[]>();

  constructor(private readonly write: BatchWriter) {}

  submit(item: BatchItem): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      const job = { item, resolve, reject };
      const tenant = item.message.tenantId;
      const queue = this.waiting.get(tenant);
      if (queue) {
        queue.push(job);
        return;
      }
      this.waiting.set(tenant, []);
      void this.drain(tenant, [job]);
    });
  }

  /** Writes `batch`, then the tenant's next one, until none waits. */
  private async drain(tenant: string, first: Job[]): Promise<void> {
    let batch = first;
    for (;;) {
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
      const queue = this.waiting.get(tenant) as Job[];
      if (queue.length === 0) {
        this.waiting.delete(tenant);
        return;
      }
      batch = queue.splice(0, MAX_BATCH);
    }
  }
}

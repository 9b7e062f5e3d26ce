import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/**
 * A node writes the `last_webhook_at` of all the instances it heard from at
 * most this often, in one statement.
 * @default 1000
 */
export const TOUCH_FLUSH_MS = 1000;

/** Instances per statement at most (a bound on its parameters). */
const CHUNK = 400;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes instances' `last_webhook_at` together (#12, #16). One statement per
 * instance was, over 100 instances each noted every 5 s, 20 commits a second
 * beside the webhooks' own, each with its fsync and its round trip; now a
 * node makes one statement a second at most, whatever the number of
 * instances. The first note after a quiet second is written at once (in the
 * next macrotask, with whatever arrived in the same turn); the time only ever
 * moves forward. Each note's promise settles when its statement has.
 */
export class WebhookTouches {
  private pending = new Map<string, number>();
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly flushEveryMs = TOUCH_FLUSH_MS,
  ) {}

  /** Notes that `instanceId` posted at `at` (epoch ms); resolves once that is written. */
  touch(instanceId: string, at: number): Promise<void> {
    const before = this.pending.get(instanceId);
    if (before === undefined || at > before) this.pending.set(instanceId, at);
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return written;
  }

  /** Writes what is pending now (at shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.pending.size > 0) await this.flush().catch(() => {});
  }

  private schedule(): void {
    if (this.timer || this.running || this.closed) return;
    const wait = Math.max(0, this.lastFlushAt + this.flushEveryMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => {});
    }, wait);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    this.lastFlushAt = performance.now();
    const run = this.write([...batch]);
    this.running = run.then(
      () => {},
      () => {},
    );
    try {
      await run;
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
      throw err;
    } finally {
      this.running = undefined;
      if (this.pending.size > 0) this.schedule();
    }
  }

  private async write(entries: [string, number][]): Promise<void> {
    for (let i = 0; i < entries.length; i += CHUNK) {
      const chunk = entries.slice(i, i + CHUNK);
      // CASE rather than unnest or VALUES: one text for SQLite and PostgreSQL.
      const at = sql<number>`case ${sql.ref('id')} ${sql.join(
        chunk.map(([id, t]) => sql`when ${id} then cast(${t} as bigint)`),
        sql` `,
      )} end`;
      await this.db
        .updateTable('instances')
        .set({ last_webhook_at: at })
        .where(
          'id',
          'in',
          chunk.map(([id]) => id),
        )
        .where((eb) => eb.or([eb('last_webhook_at', 'is', null), eb('last_webhook_at', '<', at)]))
        .execute();
    }
  }
}

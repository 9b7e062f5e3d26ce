import pg from 'pg';
import type { Instance } from '../core/index.js';

/**
 * Instances held at most; past it the cache starts over. A bound on memory,
 * not a policy: a deployment has a handful of instances per tenant.
 * @default 10000
 */
const MAX_ENTRIES = 10_000;

/** Longest wait before listening again after the listening connection was lost. */
const MAX_RETRY_MS = 30_000;

/** The channel migration 021 notifies at the commit of any change to an instance's settings. */
const INSTANCES_CHANNEL = 'newton_instances';

/**
 * PostgreSQL: the instances webhooks named, by provider and name, kept
 * exact by the database's own notifications (migration 021). Every webhook
 * used to look its instance up first; that round trip, a third of a
 * webhook's statements, is now made once per instance (#13, #16).
 *
 * Exact while it listens, and empty otherwise:
 * - it holds nothing until its own connection (outside the pool) has run
 *   `LISTEN`; from then on a change committed by anyone (another node, the
 *   `newton` CLI, SQL by hand) empties it when its notification arrives;
 * - a lookup's result is kept only if no notification came between the
 *   moment the lookup was sent and its answer (`mark`/`remember`): the
 *   answer may predate the change the notification announced;
 * - the connection lost, it empties and stays empty (every lookup goes to
 *   the database, as before) until it listens again: changes made meanwhile
 *   were never announced to it.
 *
 * A change reaches a node's webhooks when its notification does, a
 * millisecond or so after the commit: the same as a webhook that was
 * already in flight when the change was made. Changes made through this
 * node's own store empty it at once (`forget`).
 */
export class InstanceCache {
  private readonly entries = new Map<string, Instance>();
  /** Moves on at every `forget`: a lookup sent before it may be stale. */
  private generation = 0;
  private listening = false;
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  /** A copy of the instance if it is held; the first call starts listening. */
  get(provider: string, name: string): Instance | undefined {
    if (!this.listening) {
      this.listen();
      return undefined;
    }
    const hit = this.entries.get(key(provider, name));
    return hit ? { ...hit } : undefined;
  }

  /** Taken before a lookup is sent, and handed to `remember` with its answer. */
  mark(): number {
    return this.generation;
  }

  /** Keeps a lookup's answer, unless a change was announced since `mark`. */
  remember(instance: Instance, mark: unknown): void {
    if (!this.listening || mark !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key(instance.provider, instance.name), { ...instance });
  }

  /** Empties the cache: an instance changed, or may have. */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    this.forget();
    await client?.end().catch(() => {});
  }

  /** Opens the listening connection, unless one is open, opening or waiting to retry. */
  private listen(): void {
    if (this.client || this.retry || this.closed) return;
    const client = new pg.Client(this.pool.options);
    this.client = client;
    client.on('notification', () => this.forget());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client
      .connect()
      .then(() => client.query(`listen ${INSTANCES_CHANNEL}`))
      .then(
        () => {
          if (this.client !== client) return;
          // What was looked up before now was never covered by a notification.
          this.forget();
          this.listening = true;
          this.failures = 0;
        },
        () => this.lost(client),
      );
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    this.forget();
    client.end().catch(() => {});
    if (this.closed) return;
    // The next lookup after the wait listens again; until then every lookup reads the database.
    const wait = Math.min(MAX_RETRY_MS, 500 * 2 ** this.failures++);
    this.retry = setTimeout(() => {
      this.retry = undefined;
    }, wait);
    this.retry.unref();
  }
}

const key = (provider: string, name: string) => `${provider}\n${name}`;

import type { Kysely } from 'kysely';
import type { Instance } from '../core/index.js';
import { readAtOnce } from './prepared.js';
import type { Database } from './schema.js';

/**
 * Instances held at most; past it the cache starts over. A bound on memory,
 * not a policy: a deployment has a handful of instances per tenant.
 * @default 10000
 */
const MAX_ENTRIES = 10_000;

const VERSION_SQL = 'select version from instance_version where id = 1';

/** `turnVersion` before the version was read in this turn of the event loop. */
const NOT_READ = Symbol('not read');

/**
 * SQLite: the instances webhooks named, by provider and name, kept exact by
 * `instance_version` (migration 022), which triggers give a new random value
 * in the transaction of any change to an instance, whichever process made it.
 * The version is read on the connection at once (prepared.ts `readAtOnce`),
 * once per turn of the event loop that uses the cache, and a version that
 * moved empties the cache. So a change made by another process (the `newton`
 * CLI, SQL by hand) reaches the webhooks of the next turn: those of the turn
 * it was committed in are as good as already in flight, the same bound as
 * the notification of PostgreSQL's cache (instance-cache.ts). A change made
 * through this node's own store applies to its very next lookup (`forget`).
 * The lookup it spares went through Kysely's connection queue on every
 * webhook, and even the version's read, a read transaction of its own, took
 * 2.3 % of a webhook's CPU when made for each (#16, docs/benchmarks.md).
 *
 * The read may see the writes of a transaction of this process that has not
 * committed yet; that only ever empties the cache more often. A lookup's
 * answer is kept only if the version did not move between `mark` (before the
 * lookup) and `remember` (after it); versions never repeat, so an unchanged
 * version means nothing changed in between. Same face as PostgreSQL's cache.
 */
export class SqliteInstanceCache {
  private readonly entries = new Map<string, Instance>();
  /** The version the entries were read under. */
  private seen: unknown;
  /** The version read in this turn of the event loop, or NOT_READ. */
  private turnVersion: unknown = NOT_READ;

  constructor(private readonly db: Kysely<Database>) {}

  /** A copy of the instance if it is held and nothing changed since. */
  get(provider: string, name: string): Instance | undefined {
    if (this.check() === undefined) return undefined;
    const hit = this.entries.get(key(provider, name));
    return hit ? { ...hit } : undefined;
  }

  /** Taken before a lookup is sent, and handed to `remember` with its answer. */
  mark(): unknown {
    return this.check();
  }

  /** Keeps a lookup's answer, unless an instance changed since `mark`. */
  remember(instance: Instance, mark: unknown): void {
    if (mark === undefined || this.check() !== mark) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key(instance.provider, instance.name), { ...instance });
  }

  /** Empties the cache: an instance changed, or may have. */
  forget(): void {
    this.seen = undefined;
    this.turnVersion = NOT_READ;
    this.entries.clear();
  }

  async close(): Promise<void> {
    this.forget();
  }

  /** The version of this turn (undefined when it cannot be read); empties the cache when it moved. */
  private check(): unknown {
    if (this.turnVersion !== NOT_READ) return this.turnVersion;
    let version: unknown;
    try {
      version = (readAtOnce(this.db, VERSION_SQL)?.[0] as { version?: unknown } | undefined)?.version;
    } catch {
      version = undefined; // never a reason to fail a webhook: it is looked up instead
    }
    if (version === undefined || version !== this.seen) {
      this.entries.clear();
      this.seen = version;
    }
    this.turnVersion = version;
    setImmediate(() => {
      this.turnVersion = NOT_READ;
    });
    return version;
  }
}

const key = (provider: string, name: string) => `${provider}\n${name}`;

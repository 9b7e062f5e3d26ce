import { randomUUID } from 'node:crypto';

/**
 * A new row id: a UUID version 7 (RFC 9562 §5.7), whose first 48 bits are
 * the time in milliseconds, so ids made later sort later. Rows of the tables
 * a webhook appends to (messages, their search documents, receipts, leads,
 * conversations) get one: each index on such an id then grows at its right
 * edge, a page or two per commit, where a random (version 4) id dirtied one
 * more B-tree page per row and per index — a quarter of the pages a
 * webhook's commit wrote on SQLite (issue #16, docs/benchmarks.md). Still a
 * UUID: ids stay opaque to clients, and rows made before keep theirs.
 *
 * The 74 random bits are those of `crypto.randomUUID()`, which draws from a
 * pooled buffer: the `uuid` package's `v7()` fills 16 bytes with
 * `randomFillSync` per call, 7 % of the webhook path's CPU when measured.
 * Ids made in the same millisecond are not ordered among themselves, which
 * locality does not need.
 *
 * @example
 * const id = newRowId(); // '019af4c2-5b1e-7c3a-9d2f-…'
 */
export function newRowId(): string {
  const ms = Date.now().toString(16).padStart(12, '0');
  // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: keep the variant and the random bits after the version.
  const random = randomUUID();
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random.slice(15)}`;
}

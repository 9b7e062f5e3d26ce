/**
 * The instances' webhook times, written together (webhook-touches.ts): every
 * note lands, only ever forward, in one statement per flush whatever the
 * number of instances. Runs on SQLite and PostgreSQL (NEWTON_TEST_DB).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { TestNewton } from '../../testing/harness.js';
import type { Database } from './schema.js';
import { WebhookTouches } from './webhook-touches.js';

let newton: TestNewton;
let ids: string[];

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('touch_a');
  await newton.addTenant('touch_b');
  ids = [];
  for (let i = 0; i < 12; i++) {
    const tenantId = i % 2 === 0 ? 'touch_a' : 'touch_b';
    ids.push((await newton.addInstance({ tenantId, name: `touch-${i}` })).id);
  }
});
after(() => newton.close());

/** The store's database, counting the statements run through it. */
function counted(): { db: Kysely<Database>; statements: () => number } {
  let n = 0;
  const db = newton.node.store.db.withPlugin({
    transformQuery: (args) => {
      n++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  return { db, statements: () => n };
}

async function times(): Promise<Map<string, number | null>> {
  const rows = await newton.node.store.db
    .selectFrom('instances')
    .select(['id', 'last_webhook_at'])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.last_webhook_at === null ? null : Number(r.last_webhook_at)]));
}

describe('webhook times', () => {
  test('notes of many instances in one turn are written by one statement, each its own time', async () => {
    const { db, statements } = counted();
    const touches = new WebhookTouches(db, 50);
    await Promise.all(ids.map((id, i) => touches.touch(id, 1_000_000 + i)));
    assert.equal(statements(), 1);
    const written = await times();
    assert.deepEqual(
      ids.map((id) => written.get(id)),
      ids.map((_, i) => 1_000_000 + i),
    );
    await touches.close();
  });

  test('a note arriving while a flush runs goes in the next; times only move forward', async () => {
    const { db, statements } = counted();
    const touches = new WebhookTouches(db, 50);
    const [a, b, c] = ids as [string, string, string];
    const first = touches.touch(a, 5_000_000);
    // Same turn: the later time of one instance wins.
    const again = touches.touch(a, 5_000_100);
    await Promise.all([first, again]);
    const later = [touches.touch(b, 6_000_000), touches.touch(c, 900), touches.touch(a, 4_000_000)];
    await Promise.all(later);
    assert.equal(statements(), 2);
    const written = await times();
    assert.equal(written.get(a), 5_000_100, 'an older time does not overwrite a newer one');
    assert.equal(written.get(b), 6_000_000);
    assert.ok((written.get(c) ?? 0) >= 1_000_000, 'c kept its newer time from the first test');
    await touches.close();
  });

  test('close writes what is still pending', async () => {
    const touches = new WebhookTouches(newton.node.store.db, 60_000);
    const [a, b] = ids.slice(3) as [string, string];
    await touches.touch(a, 7_000_000);
    // The next flush is a minute away: only close writes it.
    const pending = touches.touch(b, 7_000_001);
    await touches.close();
    await pending;
    const written = await times();
    assert.equal(written.get(a), 7_000_000);
    assert.equal(written.get(b), 7_000_001);
  });
});

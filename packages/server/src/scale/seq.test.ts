/**
 * Seq allocation across nodes: four nodes on one PostgreSQL database write
 * one tenant's log concurrently. The seqs handed out are one contiguous range
 * (no gap, no repeat) and every node's sockets get them all, in order. Writers
 * of different tenants do not wait for each other.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { TestCluster } from '../../testing/cluster.js';
import { testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import type { TestNewton, TestSocket } from '../../testing/harness.js';
import { describeSeqProblem } from '../../testing/reconnecting-client.js';
import { SHARED_REDIS_URL } from '../../testing/redis.js';

const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Runs `task(0…n-1)` with at most `limit` at a time. */
async function pool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

describe('seq allocation with four nodes', { skip }, () => {
  let cluster: TestCluster;
  let db: pg.Client;
  // The shared Redis carries every test's events: tenant ids must be unique to this run.
  const run = randomBytes(3).toString('hex');
  const tenantA = `seq_a_${run}`;
  const tenantB = `seq_b_${run}`;
  const tenantC = `seq_c_${run}`;
  const tenantD = `seq_d_${run}`;
  const tenantE = `seq_e_${run}`;
  const PHONE = '573004445566';

  before(async () => {
    cluster = await TestCluster.start(4, SHARED_REDIS_URL);
    const n = cluster.node(0);
    for (const tenant of [tenantA, tenantB, tenantC, tenantD, tenantE]) {
      await n.addTenant(tenant);
      await n.addInstance({ tenantId: tenant, name: `${tenant}-wa` });
    }
    db = new pg.Client({ connectionString: cluster.database.url });
    await db.connect();
  });
  after(async () => {
    await db?.end().catch(() => {});
    await cluster?.close();
  });

  const post = (node: TestNewton, tenant: string, id: string, text: string) =>
    node.evolution(
      upsertBody({ instance: `${tenant}-wa`, sender: null, from: PHONE, id, text, pushName: 'Ana' }),
    );

  /** The lead's first message: lead_created + new_message (seq 1, 2). Afterwards each webhook is one event. */
  async function seedLead(tenant: string): Promise<void> {
    const res = await post(cluster.node(0), tenant, `${tenant}-seed`, 'first');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.seq, [1, 2]);
  }

  /** Posts `count` webhooks for `tenant` spread round-robin over the nodes; returns every seq answered. */
  async function flood(tenant: string, count: number, inFlight: number): Promise<number[]> {
    const answers = await pool(count, inFlight, async (i) => {
      const node = cluster.node(i % cluster.nodes.length);
      const res = await post(node, tenant, `${tenant}-${i}`, `message ${i}`);
      assert.equal(res.status, 200, `webhook ${i} on node ${i % 4}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.outcome, 'accepted');
      const seq = res.body.seq as number[];
      assert.equal(seq.length, 1, `webhook ${i} from an existing lead makes exactly one event: ${seq}`);
      return seq[0] as number;
    });
    return answers;
  }

  async function lastSeq(tenant: string): Promise<number> {
    return Number((await db.query('SELECT last_seq FROM tenants WHERE id = $1', [tenant])).rows[0]?.last_seq);
  }

  function assertInOrder(sockets: TestSocket[], to: number): void {
    sockets.forEach((s, i) => {
      const seqs = s.events().map((e) => e.seq as number);
      const problem = describeSeqProblem(seqs, 1, to);
      assert.equal(problem, undefined, `socket on node ${i + 1}: ${problem}`);
    });
  }

  test('800 concurrent webhooks for one tenant over 4 nodes get seqs 3..802, and every node delivers all in order', async () => {
    await seedLead(tenantA);
    const sockets = await Promise.all(cluster.nodes.map((n) => n.connect(tenantA, { since: 0 })));
    await Promise.all(sockets.map((s) => s.waitForEvents(2)));

    const seqs = await flood(tenantA, 800, 100);
    const sorted = [...seqs].sort((a, b) => a - b);
    assert.deepEqual(sorted, range(3, 802), 'the answered seqs are exactly 3..802, no gap, no repeat');
    assert.equal(await lastSeq(tenantA), 802);

    await Promise.all(sockets.map((s) => s.waitForEvents(802, 20_000)));
    assertInOrder(sockets, 802);
    const ids = sockets[0]?.events().map((e) => e.event_id);
    for (const s of sockets.slice(1))
      assert.deepEqual(
        s.events().map((e) => e.event_id),
        ids,
        'every node sends the same event for a seq',
      );
  });

  test('two tenants posted concurrently both complete, each with its own gapless range', async () => {
    await seedLead(tenantB);
    await seedLead(tenantC);
    const sockets = {
      b: await Promise.all(cluster.nodes.map((n) => n.connect(tenantB, { since: 0 }))),
      c: await Promise.all(cluster.nodes.map((n) => n.connect(tenantC, { since: 0 }))),
    };
    const [b, c] = await Promise.all([flood(tenantB, 300, 40), flood(tenantC, 300, 40)]);
    assert.deepEqual(
      [...b].sort((x, y) => x - y),
      range(3, 302),
    );
    assert.deepEqual(
      [...c].sort((x, y) => x - y),
      range(3, 302),
    );
    assert.deepEqual([await lastSeq(tenantB), await lastSeq(tenantC)], [302, 302]);
    await Promise.all([...sockets.b, ...sockets.c].map((s) => s.waitForEvents(302, 20_000)));
    assertInOrder(sockets.b, 302);
    assertInOrder(sockets.c, 302);
    for (const s of [...sockets.b, ...sockets.c]) s.close();
  });

  test("a writer holding one tenant's lock does not block another tenant's webhooks", async () => {
    await seedLead(tenantD);
    // Hold tenant D's row lock the way a slow ingest transaction would.
    const holder = new pg.Client({ connectionString: cluster.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT last_seq FROM tenants WHERE id = $1 FOR UPDATE', [tenantD]);
      let blockedDone = false;
      const blocked = post(cluster.node(0), tenantD, `${tenantD}-blocked`, 'waits for the lock').then((r) => {
        blockedDone = true;
        return r;
      });

      // Were tenant E queued behind D's lock, these would never finish while the lock is held.
      let timer: NodeJS.Timeout | undefined;
      const others = await Promise.race([
        Promise.all(
          range(1, 40).map((i) => post(cluster.node(i % 4), tenantE, `${tenantE}-free-${i}`, `free ${i}`)),
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error("tenant E's webhooks did not complete within 15 s while tenant D was locked")),
            15_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      for (const r of others) assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(blockedDone, false, "tenant D's webhook waits for D's lock (it is really held)");

      await holder.query('COMMIT');
      const res = await blocked;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.seq, [3]);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
  });
});

/**
 * Backfill by itself (#12): a node that starts reads each instance from its
 * last webhook seen; a periodic round reads the lookback, and an open
 * instance silent for unusually long given its own traffic from its last
 * webhook (a controllable clock, no timers); a quiet instance is never
 * judged silent.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestNewton } from '../../testing/harness.js';
import { type EvolutionSim, installEvolution } from '../../testing/provider-simulator/evolution.js';
import { EVOLUTION_FIND_MESSAGES } from '../../testing/provider-simulator/evolution-history.js';
import { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import type { Instance } from '../core/index.js';
import { BackfillTriggers } from './backfill-triggers.js';

const TENANT = 'bft_tenant';
const MIN = 60_000;

let sim: ProviderSimulator;
let evo: EvolutionSim;

function held(name: string, key: string, ageMs: number): string {
  const body = upsertBody({
    instance: name,
    apikey: key,
    from: `5730033${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`,
    timestamp: Math.floor((Date.now() - ageMs) / 1000),
  });
  evo.history.hold(body);
  return body.data.key.id;
}

/** The `gte` of findMessages requests for `instance` from the `from`-th on, as epoch ms. */
function windows(instance: string, from = 0): number[] {
  return sim
    .requests(EVOLUTION_FIND_MESSAGES)
    .slice(from)
    .filter((r) => r.params.instance === instance)
    .map((r) =>
      Date.parse((r.body as { where: { messageTimestamp: { gte: string } } }).where.messageTimestamp.gte),
    );
}

before(async () => {
  sim = await ProviderSimulator.start();
  evo = installEvolution(sim, {
    instances: { 'bft-start': 'k-start', 'bft-busy': 'k-busy', 'bft-quiet': 'k-quiet' },
  });
});
after(() => sim.close());

describe('backfill on start', () => {
  let dir: string;
  let database: TestDatabase;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'newton-bft-'));
    database = await createTestDatabase();
  });
  after(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a node that starts reads each instance from its last webhook seen', async () => {
    const first = await TestNewton.start({}, { dataDir: dir, database });
    await first.addTenant(TENANT);
    const inst = await first.addInstance({
      tenantId: TENANT,
      name: 'bft-start',
      apikey: 'k-start',
      baseUrl: sim.url,
    });
    const lastWebhook = Date.now() - 20 * MIN;
    await first.node.store.instances.touchWebhook(inst.id, lastWebhook);
    await first.close();

    // While the node was down: Evolution stored them, its webhooks found nobody.
    const ids = [held('bft-start', 'k-start', 10 * MIN), held('bft-start', 'k-start', 5 * MIN)];
    const asked = sim.requests(EVOLUTION_FIND_MESSAGES).length;
    const second = await TestNewton.start({}, { dataDir: dir, database });
    try {
      await eventually(
        async () =>
          (await second.node.store.receipts.list({ tenantId: TENANT, outcome: 'backfilled' })).length === 2,
        10_000,
        'the two messages backfilled',
      );
      const got = await second.node.store.receipts.list({ tenantId: TENANT, outcome: 'backfilled' });
      assert.deepEqual(new Set(got.map((r) => r.providerMessageId)), new Set(ids));
      const [gte] = windows('bft-start', asked);
      assert.ok(
        gte !== undefined && gte <= lastWebhook && gte >= lastWebhook - 2 * MIN,
        `window from ${gte}`,
      );
    } finally {
      await second.close();
    }
  });
});

describe('periodic round and silent instances', () => {
  let newton: TestNewton;
  let busy: Instance;
  let quiet: Instance;
  let now = Date.now();
  let triggers: BackfillTriggers;

  before(async () => {
    newton = await TestNewton.start();
    await newton.addTenant(TENANT);
    busy = await newton.addInstance({
      tenantId: TENANT,
      name: 'bft-busy',
      apikey: 'k-busy',
      baseUrl: sim.url,
    });
    quiet = await newton.addInstance({
      tenantId: TENANT,
      name: 'bft-quiet',
      apikey: 'k-quiet',
      baseUrl: sim.url,
    });
    const states = newton.node.instanceStates;
    for (const i of [busy, quiet]) {
      await states.record(
        { tenantId: TENANT, instanceId: i.id, state: 'open', at: now - 60 * MIN, source: 'check' },
        't',
      );
    }
    // Each `open` starts its backfill after a read of its own: both must have asked, then ended.
    await eventually(
      () => windows('bft-busy').length > 0 && windows('bft-quiet').length > 0 && !newton.node.backfill.busy,
      10_000,
      'the open backfills to end',
    );
    // bft-busy: 240 webhooks over the last day (a mean gap of 6 min: silent after 60 min); its last 3 h ago.
    for (let k = 0; k < 240; k++) {
      await newton.node.store.receipts.record({
        id: randomUUID(),
        receivedAt: now - 3 * 60 * MIN - k * 5 * MIN,
        provider: 'evolution',
        event: 'messages.upsert',
        instanceName: 'bft-busy',
        tenantId: TENANT,
        instanceId: busy.id,
        outcome: 'accepted',
        reason: null,
        providerMessageId: null,
        messageId: null,
        traceId: randomUUID(),
        bodySize: 100,
        bodyExcerpt: null,
      });
    }
    await newton.node.store.instances.touchWebhook(busy.id, now - 3 * 60 * MIN);
    // bft-quiet: its last webhook 5 h ago, none in the last day to judge it by.
    await newton.node.store.instances.touchWebhook(quiet.id, now - 5 * 60 * MIN);
    triggers = new BackfillTriggers(
      newton.node.backfill,
      newton.node.store,
      { onChange() {} },
      newton.node.logger,
      {
        nodeId: 'test-node',
        now: () => now,
      },
    );
  });
  after(() => newton.close());

  test('silent for unusually long: read from its last webhook; a quiet instance only over the lookback', async () => {
    const missed = held('bft-busy', 'k-busy', 2 * 60 * MIN);
    const asked = sim.requests(EVOLUTION_FIND_MESSAGES).length;
    await triggers.tick();
    const [busyFrom] = windows('bft-busy', asked);
    const [quietFrom] = windows('bft-quiet', asked);
    assert.ok(
      busyFrom !== undefined && Math.abs(busyFrom - (now - 3 * 60 * MIN - MIN)) < 2000,
      `busy from ${busyFrom}`,
    );
    assert.ok(
      quietFrom !== undefined && Math.abs(quietFrom - (now - 15 * MIN)) < 2000,
      `quiet from ${quietFrom}`,
    );
    const got = await newton.node.store.receipts.list({ tenantId: TENANT, outcome: 'backfilled' });
    assert.deepEqual(
      got.map((r) => r.providerMessageId),
      [missed],
    );

    // Read once: the next round only covers the lookback (until a webhook moves it on).
    const again = sim.requests(EVOLUTION_FIND_MESSAGES).length;
    now += 5 * MIN;
    await triggers.tick();
    const [next] = windows('bft-busy', again);
    assert.ok(next !== undefined && Math.abs(next - (now - 15 * MIN)) < 2000, `next round from ${next}`);
  });
});

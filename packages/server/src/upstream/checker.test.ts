/**
 * The periodic checker on a real node: what a check finds reaches agents'
 * sockets as `instance_status` (through the node's InstanceStateSink);
 * failures to ask (401, timeout, closed port) become state `unknown` with
 * their reason and crash nothing; a hanging check never holds up a webhook;
 * the schedule is the interval ±20 %; and across two nodes one lease lets only
 * one node run the cycles.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InstanceState, InstanceStatusPayload } from '@newton/protocol';
import { TestCluster } from '../../testing/cluster.js';
import { testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';
import { evolutionError } from '../../testing/provider-simulator/evolution.js';
import {
  EVOLUTION_CONNECTION_STATE,
  type EvolutionInstanceSim,
  NEWTON_PUBLIC_URL as PUBLIC,
  startEvolutionSimulator,
} from '../../testing/provider-simulator/evolution-instance.js';
import type { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import { freePort, SHARED_REDIS_URL } from '../../testing/redis.js';
import type { Instance } from '../core/index.js';
import { adds, CHECK_LEASE, UpstreamChecker } from './checker.js';
import { UpstreamChecks } from './checks.js';

const KEY = 'key-acme';

const simulator = () => startEvolutionSimulator({ 'acme-wa': KEY });

/** The next `instance_status` frame after index `from` whose instance matches. */
function status(s: TestSocket, from: number, match: (i: Record<string, unknown>) => boolean): Promise<Frame> {
  return s.next(
    (f) => f.type === 'instance_status' && match(f.instance as Record<string, unknown>),
    5000,
    from,
  );
}

describe('checker on one node', () => {
  let t: TestNewton;
  let sim: ProviderSimulator;
  let evo: EvolutionInstanceSim;
  let inst: Instance;
  let socket: TestSocket;

  before(async () => {
    ({ sim, evo } = await simulator());
    t = await TestNewton.start({ publicUrl: PUBLIC, upstreamCheckTimeoutMs: 3000 });
    await t.addTenant('acme');
    inst = await t.addInstance({ tenantId: 'acme', name: 'acme-wa', apikey: KEY, baseUrl: sim.url });
    socket = await t.connect('acme');
  });
  after(async () => {
    await t.close();
    await sim.close();
  });

  test('a session closed at Evolution → instance_status on the socket after a run; the same again → nothing', async () => {
    const checker = t.node.upstreamChecker;
    const from = socket.frames.length;
    evo.states.set('acme-wa', 'close');
    assert.deepEqual(await checker.runOnce(), { ran: true, checked: 1, changed: 1 });
    const f = await status(socket, from, (i) => i.id === inst.id);
    const instance = f.instance as Record<string, unknown>;
    assert.equal(instance.state, 'close');
    assert.equal(instance.name, 'acme-wa');
    assert.equal(f.previous_state, null);
    assert.equal(checker.lastCheck(inst.id)?.connection.state, 'close');
    assert.equal(checker.lastCheck(inst.id)?.webhook?.problems[0]?.code, 'not_set');
    assert.equal((await t.node.store.instances.get(inst.id))?.state, 'close');

    assert.deepEqual(await checker.runOnce(), { ran: true, checked: 1, changed: 0 });
    evo.states.set('acme-wa', 'open');
    const back = socket.frames.length;
    assert.equal((await checker.runOnce()).changed, 1);
    const open = await status(socket, back, (i) => i.state === 'open');
    assert.equal(open.previous_state, 'close');
  });

  test("a check with nothing new keeps the webhooks' words; only a different state or reason is recorded", async () => {
    const checker = t.node.upstreamChecker;
    const said = { tenantId: 'acme', instanceId: inst.id, at: Date.now(), source: 'webhook' as const };
    await t.node.instanceStates.record(
      { ...said, state: 'close', reason: 'logged_out', detail: 'logged out on the phone' },
      'test',
    );
    evo.states.set('acme-wa', 'close');
    assert.deepEqual(await checker.runOnce(), { ran: true, checked: 1, changed: 0 });
    const held = await t.node.store.instances.get(inst.id);
    assert.equal(held?.reason, 'logged_out');
    assert.equal(held?.detail, 'logged out on the phone');

    const status = (state: InstanceState, reason: string | null) =>
      ({ state, reason }) as InstanceStatusPayload;
    const found = (state: InstanceState, reason: string | null) => ({ state, reason, detail: null });
    const cloud = { ...inst, provider: 'cloud' as const };
    assert.equal(adds(inst, found('open', null), status('close', 'logged_out')), true);
    assert.equal(
      adds(inst, found('unknown', 'provider_timeout'), status('unknown', 'provider_unreachable')),
      true,
    );
    assert.equal(adds(inst, found('close', 'instance_missing'), status('close', 'logged_out')), true);
    assert.equal(adds(cloud, found('open', null), status('close', 'account_restricted')), false);
    assert.equal(adds(cloud, found('open', null), status('close', 'token_invalid')), true);
  });

  test('401, a timeout and a closed port → unknown with each reason, published; the node keeps serving', async () => {
    const checker = t.node.upstreamChecker;
    const cases: [string, () => Promise<void>][] = [
      [
        'provider_unauthorized',
        async () => void sim.fail(EVOLUTION_CONNECTION_STATE, evolutionFailure(401), 1),
      ],
      ['provider_timeout', async () => void sim.fail(EVOLUTION_CONNECTION_STATE, { kind: 'timeout' }, 1)],
      [
        'provider_unreachable',
        async () =>
          void (await t.node.store.admin.updateInstance(inst.id, {
            baseUrl: `http://127.0.0.1:${await freePort()}`,
          })),
      ],
    ];
    for (const [reason, arrange] of cases) {
      const from = socket.frames.length;
      await arrange();
      const run = await checker.runOnce();
      assert.deepEqual(run, { ran: true, checked: 1, changed: 1 }, reason);
      const f = await status(socket, from, (i) => i.reason === reason);
      assert.equal((f.instance as Record<string, unknown>).state, 'unknown', reason);
      assert.equal(checker.lastCheck(inst.id)?.connection.reason, reason);
      assert.equal((await t.get('/healthz')).status, 200);
    }
    await t.node.store.admin.updateInstance(inst.id, { baseUrl: sim.url });
  });

  test('a webhook posted while a check hangs at Evolution is answered at once', async () => {
    // A checker whose calls wait a long time: the check is still hanging when the webhook is answered.
    const patient = new UpstreamChecker(
      t.node.store,
      new UpstreamChecks({ publicUrl: PUBLIC, timeoutMs: 60_000 }),
      t.node.instanceStates,
      t.node.logger,
      { nodeId: t.node.config.nodeId, intervalMs: 0, timeoutMs: 60_000 },
    );
    const seen = sim.requests(EVOLUTION_CONNECTION_STATE).length;
    const hold = sim.hold(EVOLUTION_CONNECTION_STATE);
    let settled = false;
    const run = patient.runOnce().finally(() => {
      settled = true;
    });
    await sim.waitForRequests(EVOLUTION_CONNECTION_STATE, seen + 1);
    const res = await t.evolution(upsertBody({ instance: 'acme-wa', apikey: KEY, text: 'mientras tanto' }));
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'accepted');
    await socket.next((f) => f.type === 'new_message');
    assert.equal(settled, false, 'the check should still be hanging');
    hold.release();
    assert.equal((await run).ran, true);
  });

  test('schedule: a cycle at start, then the interval ±20 % (random 1 → +20 %, 0 → −20 %); 0 schedules nothing', async () => {
    const timers: { run: () => void; ms: number; cleared: boolean }[] = [];
    let r = 1;
    const checker = new UpstreamChecker(t.node.store, t.node.upstream, t.node.instanceStates, t.node.logger, {
      nodeId: t.node.config.nodeId,
      intervalMs: 60_000,
      timeoutMs: 3000,
      random: () => r,
      setTimer: (run, ms) => {
        const timer = { run, ms, cleared: false };
        timers.push(timer);
        return {
          clear: () => {
            timer.cleared = true;
          },
        };
      },
    });
    const before = sim.requests(EVOLUTION_CONNECTION_STATE).length;
    checker.start();
    await eventually(() => timers.length === 1, 5000, 'the first cycle and its timer');
    assert.equal(sim.requests(EVOLUTION_CONNECTION_STATE).length, before + 1);
    assert.equal(timers[0]?.ms, 72_000);
    r = 0;
    timers[0]?.run();
    await eventually(() => timers.length === 2, 5000, 'the second cycle and its timer');
    assert.equal(sim.requests(EVOLUTION_CONNECTION_STATE).length, before + 2);
    assert.equal(timers[1]?.ms, 48_000);
    await checker.stop();
    assert.equal(timers[1]?.cleared, true);
    assert.equal(await t.node.store.leases.holder(CHECK_LEASE), undefined, 'stop() gives the lease up');

    const off = new UpstreamChecker(t.node.store, t.node.upstream, t.node.instanceStates, t.node.logger, {
      nodeId: t.node.config.nodeId,
      intervalMs: 0,
      timeoutMs: 3000,
      setTimer: () => assert.fail('no timer with interval 0'),
    });
    off.start();
    assert.equal(sim.requests(EVOLUTION_CONNECTION_STATE).length, before + 2);
  });
});

function evolutionFailure(status: number) {
  const r = evolutionError(status, 'Unauthorized');
  return { kind: 'status' as const, status: r.status, body: r.body };
}

describe('checker across two nodes', {
  skip: testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass',
}, () => {
  let cluster: TestCluster;
  let sim: ProviderSimulator;
  let evo: EvolutionInstanceSim;

  before(async () => {
    ({ sim, evo } = await simulator());
    // The checker is on: each node runs a cycle at start, then hourly.
    cluster = await TestCluster.start(2, SHARED_REDIS_URL, {
      publicUrl: PUBLIC,
      upstreamCheckIntervalMs: 3_600_000,
      upstreamCheckTimeoutMs: 3000,
    });
  });
  after(async () => {
    await cluster.close();
    await sim.close();
  });

  test('one node at a time runs the cycles (lease); its finding reaches a socket on the other node', async () => {
    const [a, b] = [cluster.node(0), cluster.node(1)];
    await a.addTenant('acme');
    const inst = await a.addInstance({ tenantId: 'acme', name: 'acme-wa', apikey: KEY, baseUrl: sim.url });
    let holder: string | undefined;
    await eventually(
      async () => {
        holder = await a.node.store.leases.holder(CHECK_LEASE);
        return holder !== undefined;
      },
      10_000,
      'a node to take the lease at start',
    );
    const [owner, other] = holder === a.node.config.nodeId ? [a, b] : [b, a];
    assert.equal(owner.node.config.nodeId, holder);

    const runs = await Promise.all([
      owner.node.upstreamChecker.runOnce(),
      other.node.upstreamChecker.runOnce(),
    ]);
    assert.deepEqual(
      runs.map((r) => r.ran),
      [true, false],
      'only the lease holder runs a cycle',
    );
    assert.equal((await other.node.upstreamChecker.runOnce()).ran, false);

    const socket = await other.connect('acme');
    evo.states.set('acme-wa', 'close');
    const checked = await owner.node.upstreamChecker.runOnce();
    assert.equal(checked.ran, true);
    const f = await socket.next(
      (x) => x.type === 'instance_status' && (x.instance as Record<string, unknown>).state === 'close',
    );
    assert.equal((f.instance as Record<string, unknown>).id, inst.id);
    assert.equal((f.instance as Record<string, unknown>).state, 'close');

    // The holder stops (shutdown): the other node takes over at its next run.
    await owner.node.upstreamChecker.stop();
    const takeover = await other.node.upstreamChecker.runOnce();
    assert.deepEqual(takeover, { ran: true, checked: 1, changed: 0 });
    assert.equal(await a.node.store.leases.holder(CHECK_LEASE), other.node.config.nodeId);
  });
});

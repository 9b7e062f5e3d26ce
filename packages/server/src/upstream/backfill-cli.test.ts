/**
 * `newton backfill` against a running node and the Evolution simulator:
 * progress lines and a summary, clear usage errors for `--since`, exit 1
 * with a clear message when the provider fails or the tenant or instance is
 * unknown. Then two nodes (PostgreSQL + Redis) asked at once: one runs, the
 * other names it, and every socket on either node gets each message once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import { TestCluster } from '../../testing/cluster.js';
import { testDialect } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import {
  eventually,
  type Frame,
  type HttpResult,
  TestNewton,
  type TestSocket,
} from '../../testing/harness.js';
import {
  type EvolutionSim,
  evolutionError,
  installEvolution,
} from '../../testing/provider-simulator/evolution.js';
import { EVOLUTION_FIND_MESSAGES } from '../../testing/provider-simulator/evolution-history.js';
import { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import { SHARED_REDIS_URL } from '../../testing/redis.js';

const TENANT = 'bfc_tenant';
const KEY = 'bfc-key';

let sim: ProviderSimulator;
let evo: EvolutionSim;

function hold(count: number, lead: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const body = upsertBody({
      instance: 'bfc-wa',
      apikey: KEY,
      from: `5730022${String(lead * 100 + i).padStart(5, '0')}`,
      text: `retenido ${i}`,
    });
    evo.history.hold(body);
    return body.data.key.id;
  });
}

const recovered = (s: TestSocket) =>
  s.events().filter((f: Frame) => f.type === 'new_message' && f.recovered === true);

before(async () => {
  sim = await ProviderSimulator.start();
  evo = installEvolution(sim, { instances: { 'bfc-wa': KEY } });
});
after(() => sim.close());

describe('newton backfill', () => {
  let newton: TestNewton;
  const cli = (...args: string[]) => runCli(['backfill', ...args], newton.env());

  before(async () => {
    newton = await TestNewton.start();
    await newton.addTenant(TENANT);
    await newton.addInstance({ tenantId: TENANT, name: 'bfc-wa', apikey: KEY, baseUrl: sim.url });
  });
  after(() => newton.close());

  test('prints a line per page and a summary; the running node pushes the messages to its sockets', async () => {
    const socket = await newton.connect(TENANT);
    const ids = hold(3, 1);
    const r = await cli(TENANT, '--since', '2h');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^backfill bfc_tenant since \d{4}-\d\d-\d\dT/m);
    assert.match(r.out, /bfc-wa: page 1\/1 {2}seen 3 {2}recovered 3 {2}already had 0 {2}invalid 0/);
    assert.match(
      r.out,
      /^done: bfc-wa from .* — 1 pages, 3 seen, 3 recovered, 0 already had, 0 invalid, 0 ignored, 0 errors$/m,
    );
    await eventually(() => recovered(socket).length === 3, 5000, '3 recovered messages on the socket');
    assert.deepEqual(
      new Set(
        recovered(socket).map((f) => (f.message as { provider_message_id: string }).provider_message_id),
      ),
      new Set(ids),
    );

    const again = await cli(TENANT, '--instance', 'bfc-wa', '--json');
    assert.equal(again.code, 0, again.err);
    const summary = JSON.parse(again.out) as { recovered: number; already_had: number; instance: string };
    assert.deepEqual([summary.recovered, summary.already_had, summary.instance], [0, 3, 'bfc-wa']);
  });

  test('--since errors are usage errors that say what is accepted', async () => {
    const bad = await cli(TENANT, '--since', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(
      bad.err,
      /--since "yesterday" is not a duration like 90s, 30m, 2h or 1d, nor an ISO-8601 time/,
    );
    assert.match(bad.err, /usage:\n {2}newton backfill TENANT_ID/);
    const future = await cli(TENANT, '--since', '2999-01-01T00:00:00Z');
    assert.equal(future.code, 2);
    assert.match(future.err, /--since "2999-01-01T00:00:00Z" is in the future/);
    const zero = await cli(TENANT, '--since', '0h');
    assert.equal(zero.code, 2);
    assert.match(zero.err, /must be longer than 0/);
  });

  test('a failing provider, an unknown tenant or instance, no server: exit 1 and a clear message', async () => {
    sim.fail(EVOLUTION_FIND_MESSAGES, { kind: 'status', ...evolutionError(401, 'Unauthorized') });
    const refused = await cli(TENANT, '--since', '30m');
    assert.equal(refused.code, 1);
    assert.match(refused.out, /^FAILED: bfc-wa/m);
    assert.match(
      refused.err,
      /newton backfill: instance bfc-wa: Evolution 401: the instance's API key was refused \(provider_unauthorized\)/,
    );
    const tenant = await cli('nobody');
    assert.equal(tenant.code, 1);
    assert.match(tenant.err, /the server answered 404: tenant nobody does not exist/);
    const instance = await cli(TENANT, '--instance', 'ghost');
    assert.equal(instance.code, 1);
    assert.match(instance.err, /the server answered 404: tenant bfc_tenant has no instance "ghost"/);
    const down = await cli(TENANT, '--url', 'http://127.0.0.1:9');
    assert.equal(down.code, 1);
    assert.match(down.err, /cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  });
});

const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';

describe('backfill on two nodes', { skip }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start(2, SHARED_REDIS_URL);
    await cluster.node(0).addTenant(TENANT);
    await cluster.node(0).addInstance({ tenantId: TENANT, name: 'bfc-wa', apikey: KEY, baseUrl: sim.url });
  });
  after(() => cluster.close());

  test('asked on both nodes at once: one runs, the other names it; each message reaches every socket once', async () => {
    sim.reset();
    evo.history.clear();
    const sockets = [
      await cluster.node(0).connect(TENANT),
      await cluster.node(1).connect(TENANT),
      await cluster.node(1).connect(TENANT),
    ];
    const ids = hold(30, 2);
    const admin = await cluster.node(0).token(TENANT, { role: 'admin' });
    const gate = sim.hold(EVOLUTION_FIND_MESSAGES);
    const answers: (HttpResult | undefined)[] = [undefined, undefined];
    const asks = [0, 1].map((i) =>
      cluster
        .node(i)
        .post('/api/admin/backfill', { tenant: TENANT, since: '1h' }, { authorization: `Bearer ${admin}` })
        .then((r) => {
          answers[i] = r;
        }),
    );
    // The loser answers at once; the winner waits on the simulator.
    await eventually(() => answers.some((a) => a !== undefined), 10_000, 'one node to refuse');
    gate.release();
    await Promise.all(asks);
    const a = answers[0] as HttpResult;
    const b = answers[1] as HttpResult;
    const winner = a.status === 200 ? 0 : 1;
    const loser = (answers[1 - winner] as HttpResult).body;
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    assert.equal(loser.error, 'backfill_busy');
    assert.equal(loser.holder, `node-${winner + 1}`);
    assert.equal((answers[winner] as HttpResult).body.recovered, 30, JSON.stringify(answers[winner]?.body));
    assert.equal(sim.requests(EVOLUTION_FIND_MESSAGES).length, 1);
    for (const s of sockets) {
      await eventually(() => recovered(s).length === 30, 10_000, '30 recovered on every socket');
      const got = recovered(s).map((f) => (f.message as { provider_message_id: string }).provider_message_id);
      assert.equal(new Set(got).size, 30);
      assert.deepEqual(new Set(got), new Set(ids));
    }
  });
});

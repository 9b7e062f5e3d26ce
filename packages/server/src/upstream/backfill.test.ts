/**
 * Backfill (#12) against a real node and the Evolution simulator: messages
 * Evolution stored but never posted are recovered once, through the normal
 * ingest path, and pushed to every socket with `recovered: true`; late
 * webhooks change nothing; malformed records are skipped with a receipt;
 * a provider that is down, slow or refuses the key ends the run with an
 * error summary while live webhooks keep flowing; a node coming back to
 * `open` backfills by itself; two runners of one tenant never overlap.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type UpsertBody, upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';
import {
  type EvolutionSim,
  evolutionError,
  installEvolution,
} from '../../testing/provider-simulator/evolution.js';
import { EVOLUTION_FIND_MESSAGES } from '../../testing/provider-simulator/evolution-history.js';
import { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import type { Instance } from '../core/index.js';
import { Backfiller } from './backfill.js';

const TENANT = 'bf_tenant';
const OTHER = 'bf_other';
const KEY = 'bf-key-1';

let sim: ProviderSimulator;
let evo: EvolutionSim;
let newton: TestNewton;
let instance: Instance;
let sockets: TestSocket[] = [];
let n = 0;

/** A customer number of lead `k` (valid Colombian mobiles). */
const phone = (k: number) => `5730011${String(k).padStart(5, '0')}`;

function message(text: string, opts: { lead?: number; ageSeconds?: number } = {}): UpsertBody {
  return upsertBody({
    instance: 'bf-wa',
    apikey: KEY,
    from: phone(opts.lead ?? 0),
    text,
    timestamp: Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0),
  });
}

const newMessages = (s: TestSocket) => s.events().filter((f) => f.type === 'new_message');
const providerIdOf = (f: Frame) => (f.message as { provider_message_id: string }).provider_message_id;

/** Posts `bodies` through the simulator (stored, then webhook), a few at once; each must be accepted. */
async function deliverAll(bodies: UpsertBody[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as UpsertBody;
        const r = await evo.history.deliver(newton.url, body);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
      }
    }),
  );
}

/** Delivers a fresh message and waits until every socket has it: nothing queued before it is still on its way. */
async function sentinel(): Promise<string> {
  const body = message(`sentinel ${n++}`);
  await deliverAll([body]);
  for (const s of sockets)
    await s.next((f) => f.type === 'new_message' && providerIdOf(f) === body.data.key.id);
  return body.data.key.id;
}

before(async () => {
  sim = await ProviderSimulator.start();
  evo = installEvolution(sim, { instances: { 'bf-wa': KEY } });
  newton = await TestNewton.start({ providerTimeoutMs: 3000 });
  await newton.addTenant(TENANT);
  await newton.addTenant(OTHER);
  instance = await newton.addInstance({ tenantId: TENANT, name: 'bf-wa', apikey: KEY, baseUrl: sim.url });
});

after(async () => {
  await newton.close();
  await sim.close();
});

beforeEach(async () => {
  await eventually(() => !newton.node.backfill.busy, 10_000, 'no backfill running');
  for (const s of sockets) s.close();
  sim.reset();
  evo.history.clear();
  sockets = [await newton.connect(TENANT), await newton.connect(TENANT)];
});

describe('backfill', () => {
  test('200 messages, 60 never posted: one run stores each once; sockets get 140 + 60 recovered; late webhooks change nothing', async () => {
    const bodies = Array.from({ length: 200 }, (_, i) =>
      message(`mensaje ${i}`, { lead: i % 10, ageSeconds: 200 - i }),
    );
    const held = bodies.filter((_, i) => i % 10 < 3);
    const posted = bodies.filter((_, i) => i % 10 >= 3);
    for (const b of held) evo.history.hold(b);
    await deliverAll(posted);
    await eventually(() => sockets.every((s) => newMessages(s).length === 140), 10_000, '140 live messages');

    const progress: number[] = [];
    const summary = await newton.node.backfill.run({ tenantId: TENANT, since: Date.now() - 3_600_000 }, (p) =>
      progress.push(p.page),
    );
    assert.equal(summary.ok, true, JSON.stringify(summary));
    assert.deepEqual(
      [summary.pages, summary.seen, summary.recovered, summary.already_had, summary.invalid, summary.errors],
      [2, 200, 60, 140, 0, 0],
    );
    assert.deepEqual(progress, [1, 2]);
    assert.deepEqual(summary.instances, ['bf-wa']);

    const heldIds = new Set(held.map((b) => b.data.key.id));
    for (const s of sockets) {
      await eventually(() => newMessages(s).length === 200, 10_000, '200 messages on the socket');
      const got = newMessages(s);
      assert.equal(new Set(got.map(providerIdOf)).size, 200, 'every message once');
      const recovered = got.filter((f) => f.recovered === true);
      assert.deepEqual(new Set(recovered.map(providerIdOf)), heldIds);
      assert.ok(got.filter((f) => !heldIds.has(providerIdOf(f))).every((f) => f.recovered === undefined));
    }

    // In Newton exactly once: the conversations' message lists hold the 200.
    const token = await newton.token(TENANT);
    const conversations = new Set(
      newMessages(sockets[0] as TestSocket).map((f) => f.conversation_id as string),
    );
    assert.equal(conversations.size, 10);
    const stored: string[] = [];
    for (const id of conversations) {
      const r = await newton.get(`/api/conversations/${id}/messages?limit=200`, token);
      assert.equal(r.status, 200);
      for (const m of r.body.items as { provider_message_id: string }[]) stored.push(m.provider_message_id);
    }
    assert.equal(stored.length, 200);
    assert.equal(new Set(stored).size, 200);

    // The 60 webhooks arrive late after all: duplicates, no events.
    for (const b of held) {
      const r = await newton.evolution(b);
      assert.equal(r.body.outcome, 'duplicate', JSON.stringify(r.body));
    }
    const last = await sentinel();
    for (const s of sockets) {
      assert.equal(newMessages(s).length, 201);
      assert.equal(providerIdOf(newMessages(s).at(-1) as Frame), last);
    }

    const receipts = await newton.node.store.receipts.list({
      tenantId: TENANT,
      outcome: 'backfilled',
      limit: 500,
    });
    assert.equal(receipts.length, 60);
    assert.deepEqual(new Set(receipts.map((r) => r.providerMessageId)), heldIds);
    assert.ok(
      receipts.every((r) => r.bodySize === 0 && r.event === 'backfill' && r.instanceName === 'bf-wa'),
    );

    // A second run finds everything there: nothing stored, published or receipted.
    const again = await newton.node.backfill.run({ tenantId: TENANT, since: Date.now() - 3_600_000 });
    assert.equal(again.recovered, 0);
    assert.equal(again.already_had, 201);
    await sentinel();
    for (const s of sockets) assert.equal(newMessages(s).length, 202);
    const after = await newton.node.store.receipts.list({
      tenantId: TENANT,
      outcome: 'backfilled',
      limit: 500,
    });
    assert.equal(after.length, 60);
  });

  test('malformed records are skipped with a rejected receipt each; the good ones are recovered', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const bad = [
      { id: 'cbad1', key: null, messageTimestamp: ts, message: { conversation: 'x' } },
      { id: 'cbad2', key: { id: 7, remoteJid: `${phone(1)}@s.whatsapp.net` }, messageTimestamp: ts },
      { id: 'cbad3', key: { id: 'BAD3' }, messageTimestamp: ts, message: { conversation: 'x' } },
      {
        id: 'cbad4',
        key: { id: 'BAD4', remoteJid: `${phone(1)}@s.whatsapp.net`, fromMe: 'no' },
        messageTimestamp: ts,
      },
    ];
    for (const b of bad) evo.history.plant('bf-wa', b);
    const good = Array.from({ length: 5 }, (_, i) => message(`bueno ${i}`, { lead: 20 + i }));
    for (const b of good) evo.history.hold(b);

    const summary = await newton.node.backfill.run({ tenantId: TENANT, since: Date.now() - 600_000 });
    assert.equal(summary.ok, true, JSON.stringify(summary));
    assert.equal(summary.invalid, 4);
    assert.equal(summary.recovered, 5);
    const rejected = await newton.node.store.receipts.list({
      tenantId: TENANT,
      outcome: 'rejected',
      limit: 50,
    });
    const reasons = rejected.filter((r) => r.event === 'backfill').map((r) => r.reason ?? '');
    assert.equal(reasons.length, 4);
    for (const expected of [
      '"key" must be an object',
      '"key.id" must be a string',
      'missing "key.remoteJid"',
      '"key.fromMe" must be a boolean',
    ]) {
      assert.ok(
        reasons.some((r) => r.includes(expected)),
        `a receipt says ${expected}: ${reasons.join(' | ')}`,
      );
    }
    for (const s of sockets) {
      await eventually(
        () => newMessages(s).filter((f) => f.recovered === true).length === 5,
        5000,
        '5 recovered',
      );
    }
  });

  for (const [what, failure, code] of [
    ['down', { kind: 'reset' }, 'provider_unreachable'],
    ['slow beyond the timeout', { kind: 'timeout' }, 'timeout'],
    [
      'refusing the key (401)',
      { kind: 'status', ...evolutionError(401, 'Unauthorized') },
      'provider_unauthorized',
    ],
  ] as const) {
    test(`provider ${what}: the run ends with error ${code}; a live webhook meanwhile is stored and delivered`, async () => {
      evo.history.hold(message('retenido'));
      sim.fail(EVOLUTION_FIND_MESSAGES, failure, Number.POSITIVE_INFINITY);
      const running = newton.node.backfill.run({ tenantId: TENANT, since: Date.now() - 600_000 });
      await sim.waitForRequests(EVOLUTION_FIND_MESSAGES, 1);
      const live = message('en vivo');
      await deliverAll([live]);
      for (const s of sockets)
        await s.next((f) => f.type === 'new_message' && providerIdOf(f) === live.data.key.id);
      const summary = await running;
      assert.equal(summary.ok, false);
      assert.equal(summary.errors, 1);
      assert.equal(summary.error?.code, code, JSON.stringify(summary));
      assert.equal(summary.error?.instance, 'bf-wa');
      assert.equal(summary.recovered, 0);
      // The REST answer: 502 with the summary.
      const admin = await newton.token(TENANT, { role: 'admin' });
      const r = await newton.post(
        '/api/admin/backfill',
        { tenant: TENANT, since: '10m' },
        { authorization: `Bearer ${admin}` },
      );
      assert.equal(r.status, 502);
      assert.equal(r.body.error, 'backfill_failed');
      assert.equal((r.body.summary as { error: { code: string } }).error.code, code);
      sim.clearFailures();
      assert.equal(
        (await newton.node.backfill.run({ tenantId: TENANT, since: Date.now() - 600_000 })).recovered,
        1,
      );
    });
  }

  test('back to open after close: the node backfills what came in meanwhile, by itself', async () => {
    const states = newton.node.instanceStates;
    const base = { tenantId: TENANT, instanceId: instance.id, source: 'check' as const };
    const closedAt = Date.now() - 60_000;
    await states.record({ ...base, state: 'open', at: Date.now() - 120_000 }, 'tr-open-1');
    await states.record({ ...base, state: 'close', reason: 'logged_out', at: closedAt }, 'tr-close');
    // unknown → open backfilled too; that run is over before the outage's messages are held.
    await sim.waitForRequests(EVOLUTION_FIND_MESSAGES, 1);
    await eventually(() => !newton.node.backfill.busy, 10_000, 'the first open backfill to end');
    const asked = sim.requests(EVOLUTION_FIND_MESSAGES).length;
    const missed = Array.from({ length: 3 }, (_, i) =>
      message(`mientras tanto ${i}`, { lead: 30 + i, ageSeconds: 30 }),
    );
    for (const b of missed) evo.history.hold(b);
    await states.record({ ...base, state: 'open', at: Date.now() }, 'tr-open-2');
    const ids = new Set(missed.map((b) => b.data.key.id));
    for (const s of sockets) {
      await eventually(
        () => newMessages(s).filter((f) => f.recovered === true && ids.has(providerIdOf(f))).length === 3,
        10_000,
        'the 3 messages recovered',
      );
    }
    await eventually(() => !newton.node.backfill.busy, 10_000, 'the backfill to end');
    // The window starts a little before the instance left `open`.
    const windows = sim
      .requests(EVOLUTION_FIND_MESSAGES)
      .slice(asked)
      .map((r) =>
        Date.parse((r.body as { where: { messageTimestamp: { gte: string } } }).where.messageTimestamp.gte),
      );
    assert.equal(windows.length, 1);
    assert.ok(
      (windows[0] as number) <= closedAt && (windows[0] as number) >= closedAt - 120_000,
      `window from ${windows[0]}`,
    );
  });

  test('one runner per tenant: another runner reports the lease holder while one runs', async () => {
    const never = { ingestRecovered: () => assert.fail('nothing to ingest') };
    // A runner of another node whose request the simulator holds (a long timeout: it waits for the test).
    const first = new Backfiller(newton.node.store, never, {} as never, newton.node.logger, {
      nodeId: 'node-a',
      timeoutMs: 60_000,
    });
    const gate = sim.hold(EVOLUTION_FIND_MESSAGES);
    const running = first.run({ tenantId: TENANT, since: Date.now() - 600_000 });
    await sim.waitForRequests(EVOLUTION_FIND_MESSAGES, 1);
    const second = await newton.node.backfill.run({ tenantId: TENANT, since: Date.now() - 600_000 });
    assert.equal(second.ok, false);
    assert.equal(second.error?.code, 'busy');
    assert.equal(second.holder, 'node-a');
    assert.equal(second.pages, 0);
    const admin = await newton.token(TENANT, { role: 'admin' });
    const auth = { authorization: `Bearer ${admin}` };
    const refused = await newton.post('/api/admin/backfill', { tenant: TENANT }, auth);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'backfill_busy');
    assert.equal(refused.body.holder, 'node-a');
    gate.release();
    assert.equal((await running).ok, true);
    // Released at the end: this node may go now.
    assert.equal(await newton.node.store.leases.holder(`backfill:${TENANT}`), undefined);
    const r = await newton.post('/api/admin/backfill', { tenant: TENANT }, auth);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  test('admin REST: summary JSON; clear 400s; other tenants and agents get nothing', async () => {
    const held = message('por REST');
    evo.history.hold(held);
    const admin = await newton.token(TENANT, { role: 'admin' });
    const auth = { authorization: `Bearer ${admin}` };
    const ok = await newton.post(
      '/api/admin/backfill',
      { tenant: TENANT, instance: 'bf-wa', since: '2h' },
      auth,
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.recovered, 1);
    assert.equal(ok.body.trigger, 'demand');

    const clipped = await newton.post('/api/admin/backfill', { tenant: TENANT, since: '3d' }, auth);
    assert.equal(clipped.status, 200);
    assert.match(String((clipped.body.notices as string[])[0]), /clipped to 1440 min/);

    const bad = await newton.post('/api/admin/backfill', { tenant: TENANT, since: 'yesterday' }, auth);
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /since "yesterday" is not a duration like 90s, 30m, 2h or 1d/);
    const unknown = await newton.post('/api/admin/backfill', { tenant: TENANT, instance: 'nope' }, auth);
    assert.equal(unknown.status, 404);

    // Isolation: another tenant's admin, an agent, no token.
    const otherAdmin = await newton.token(OTHER, { role: 'admin' });
    const foreign = await newton.post(
      '/api/admin/backfill',
      { tenant: TENANT },
      { authorization: `Bearer ${otherAdmin}` },
    );
    assert.equal(foreign.status, 404);
    const agent = await newton.token(TENANT);
    assert.equal(
      (await newton.post('/api/admin/backfill', { tenant: TENANT }, { authorization: `Bearer ${agent}` }))
        .status,
      403,
    );
    assert.equal((await newton.post('/api/admin/backfill', { tenant: TENANT }, {})).status, 401);
    // The other tenant has no instance to read: an empty, successful run that touches nothing of TENANT's.
    const empty = await newton.post(
      '/api/admin/backfill',
      { tenant: OTHER },
      { authorization: `Bearer ${otherAdmin}` },
    );
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body.instances, []);
    assert.ok(!JSON.stringify(ok.body).includes(KEY), 'the apikey never leaves');
  });
});

/**
 * (a) Webhook → socket latency under load: an open-loop sender posts
 * webhooks at a fixed rate (200/s) over 100 tenants while 1,000 sockets (10
 * per tenant) receive them; latency per delivery from the moment the webhook
 * was sent (its text carries the send time) until the `new_message` frame
 * arrives. Embedded (one node, SQLite) and two nodes on PostgreSQL + Redis
 * (webhooks alternate between the nodes; each tenant's sockets are split over
 * both).
 */
import { type LoadResult, sumCollected, WorkerPool } from './lib/clients.js';
import { type FloorOpenLoop, floorOpenLoop } from './lib/floor.js';
import { servicesCpuSeconds } from './lib/machine.js';
import {
  describePhases,
  type PhaseName,
  type PhaseSummary,
  phaseDelta,
  phaseSnapshot,
} from './lib/phases.js';
import {
  type BenchOptions,
  collectProfiles,
  log,
  measured,
  type ScenarioResult,
  startTaggedNewton,
  stopServers,
  target,
} from './lib/scenario.js';
import { type Dialect, scratchStore } from './lib/scratch-store.js';
import { REDIS_URL, type ServerProcess } from './lib/server.js';
import { concat, nowMs, round, type Summary, sleep, summarize } from './lib/stats.js';

interface Case {
  key: 'embedded' | 'cluster';
  label: string;
  dialect: Dialect;
  nodes: number;
}

const CASES: Case[] = [
  { key: 'embedded', label: 'embedded: 1 node, SQLite, in-process bus', dialect: 'sqlite', nodes: 1 },
  { key: 'cluster', label: '2 nodes, PostgreSQL + Redis', dialect: 'postgres', nodes: 2 },
];

export interface LatencyCaseResult {
  label: string;
  rate: number;
  seconds: number;
  sockets: number;
  tenants: number;
  webhooksSent: number;
  webhooksAccepted: number;
  httpErrors: number;
  notAccepted: number;
  expectedDeliveries: number;
  deliveries: number;
  missing: number;
  gaps: number;
  dupes: number;
  latency: Summary;
  http: Summary;
  senderLagP99: number;
  achievedRate: number;
  serverCpuSeconds: number;
  serverCpuPerWebhookMs: number;
  /** CPU of the sender and receiver processes over the measured phase. */
  clientCpuSeconds: number;
  /** CPU of PostgreSQL and Redis over the measured phase. */
  dbCpuSeconds: number;
  measuredWallSeconds: number;
  /** Per-phase histograms of the nodes (/metrics) over the measured phase. */
  phases?: Record<PhaseName, PhaseSummary>;
  /**
   * The ingest floor (bare Fastify, one durable INSERT per webhook, on this case's database)
   * at the same offered rate, same run (issue #16): its HTTP latency is the yardstick.
   */
  floor?: FloorOpenLoop;
}

async function runCase(o: BenchOptions, c: Case, warnings: string[]): Promise<LatencyCaseResult> {
  const rate = 200;
  const seconds = o.quick ? 6 : 25;
  const socketsPerTenant = 10;
  const store = await scratchStore(c.dialect);
  const tenants = store.fixture.tenants;
  const nodes: ServerProcess[] = [];
  const receivers = await WorkerPool.start(2, `a-${c.key}-recv`);
  const senders = await WorkerPool.start(1, `a-${c.key}-send`);
  try {
    for (let i = 1; i <= c.nodes; i++) {
      nodes.push(
        await startTaggedNewton(o, `a-${c.key}-node${i}`, store, {
          redisUrl: c.nodes > 1 ? REDIS_URL : undefined,
          nodeId: `bench-${c.key}-${i}`,
        }),
      );
    }
    // Socket j of a tenant goes to node j % nodes: each tenant has sockets on every node.
    const urls: string[] = [];
    for (const t of tenants) {
      for (let j = 0; j < socketsPerTenant; j++) {
        const node = nodes[j % nodes.length] as ServerProcess;
        urls.push(`${node.url.replace(/^http/, 'ws')}/ws/conversations/${t.tenant}?token=${t.token}`);
      }
    }
    const conn = await receivers.connect('newton', urls, 50);
    if (conn.failed > 0) throw new Error(`${conn.failed} of ${urls.length} sockets could not connect`);
    await receivers.setMode('latency');
    const sender = senders.workers[0];
    if (!sender) throw new Error('no sender');
    const loadArgs = (total: number, prefix: string) => ({
      targets: nodes.map((n) => n.url),
      instances: tenants.map((t) => t.instance),
      phonesPerTenant: 10,
      rate,
      total,
      shard: 0,
      shards: 1,
      startAt: nowMs() + 200,
      connections: 16,
      idPrefix: prefix,
      drainMs: 30_000,
    });
    log(`(a) ${c.label}: ${urls.length} sockets connected; warm-up`);
    await sender.call('load', loadArgs(rate * (o.quick ? 1 : 3), `warm-${c.key}`));
    await store.analyze();
    await sleep(500);
    await receivers.collect();

    log(`(a) ${c.label}: ${rate} webhooks/s for ${seconds} s`);
    const cpu0 = nodes.reduce((s, n) => s + n.cpuSeconds(), 0);
    const clientCpu0 = receivers.cpuSeconds() + senders.cpuSeconds();
    const dbCpu0 = servicesCpuSeconds();
    const phases0 = await phaseSnapshot(nodes.map((n) => n.url));
    const t0 = nowMs();
    const args = loadArgs(rate * seconds, `a-${c.key}`);
    const r = await sender.call<LoadResult>('load', args);
    // Every accepted webhook reaches its tenant's sockets (or the wait ends after 10 s).
    await receivers.awaitLatencies(args.startAt, r.accepted * socketsPerTenant, 10_000);
    const wall = (nowMs() - t0) / 1000;
    const cpu = nodes.reduce((s, n) => s + n.cpuSeconds(), 0) - cpu0;
    const clientCpu = receivers.cpuSeconds() + senders.cpuSeconds() - clientCpu0;
    const dbCpu = servicesCpuSeconds() - dbCpu0;
    for (let i = 1; i <= nodes.length; i++) measured(`a-${c.key}-node${i}`, t0, nowMs());
    const got = await receivers.collect(args.startAt);
    const phases = phaseDelta(phases0, await phaseSnapshot(nodes.map((n) => n.url)));
    log(`(a) ${c.label}: ${describePhases(phases)}`);
    const lat = summarize(concat(got.map((g) => g.latencies)));
    const { gaps, dupes } = sumCollected(got);
    const expected = r.accepted * socketsPerTenant;
    return {
      label: c.label,
      rate,
      seconds,
      sockets: urls.length,
      tenants: tenants.length,
      webhooksSent: r.sent,
      webhooksAccepted: r.accepted,
      httpErrors: r.errors + r.timedOut,
      notAccepted: r.sent - r.accepted,
      expectedDeliveries: expected,
      deliveries: lat.count,
      missing: expected - lat.count,
      gaps,
      dupes,
      latency: lat,
      http: summarize(r.latency),
      senderLagP99: summarize(r.lag).p99,
      achievedRate: round(r.answered / (r.answerSpanMs / 1000), 1),
      serverCpuSeconds: round(cpu),
      serverCpuPerWebhookMs: round((cpu * 1000) / Math.max(1, r.accepted), 3),
      clientCpuSeconds: round(clientCpu),
      dbCpuSeconds: round(dbCpu),
      measuredWallSeconds: round(wall),
      phases,
    };
  } finally {
    await receivers.stop();
    await senders.stop();
    await stopServers(nodes, store, warnings);
  }
}

/** Runs a case, then the floor on the case's database at the same rate and length. */
async function runCaseWithFloor(o: BenchOptions, c: Case, warnings: string[]): Promise<LatencyCaseResult> {
  const r = await runCase(o, c, warnings);
  const instances = Array.from({ length: r.tenants }, (_, i) => `floor-${i}`);
  log(`(a) ${c.label}: the ingest floor at ${r.rate}/s`);
  const floor = await floorOpenLoop(
    `a-${c.key}-floor`,
    c.dialect,
    { rate: r.rate, seconds: r.seconds, instances, warmSeconds: o.quick ? 1 : 3 },
    o.verbose,
  );
  log(`(a) ${c.label}: floor HTTP p50 ${floor.http.p50} ms, p99 ${floor.http.p99} ms`);
  return { ...r, floor };
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const results: Record<string, LatencyCaseResult> = {};
  const warnings: string[] = [];
  for (const c of CASES) results[c.key] = await runCaseWithFloor(o, c, warnings);
  const e = results.embedded as LatencyCaseResult;
  const k = results.cluster as LatencyCaseResult;
  const over = (a: number, b: number | undefined) => (b ? round(a / b, 2) : Number.NaN);
  const ratios = {
    embeddedVsFloor: over(e.latency.p99, e.floor?.http.p99),
    clusterVsFloor: over(k.latency.p99, k.floor?.http.p99),
    clusterVsEmbedded: over(k.latency.p99, e.latency.p99),
  };
  const ok = (r: LatencyCaseResult) => r.missing === 0 && r.gaps === 0 && r.dupes === 0;
  const notes: string[] = [...warnings];
  for (const r of [e, k]) {
    if (!ok(r) || r.notAccepted > 0)
      notes.push(
        `${r.label}: ${r.notAccepted} webhooks not accepted, ${r.missing} deliveries missing, ${r.gaps} seq gaps, ${r.dupes} repeats (expected every socket to get every event once, in order)`,
      );
    if (r.senderLagP99 > 5)
      notes.push(
        `${r.label}: the sender fell behind its schedule (p99 ${r.senderLagP99} ms): the load generator itself was short of CPU`,
      );
  }
  return {
    id: 'a',
    title: 'Webhook → socket latency at 200 webhooks/s, 1,000 sockets over 100 tenants',
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: round(e.serverCpuSeconds + k.serverCpuSeconds),
    params: { rate: 200, seconds: e.seconds, sockets: e.sockets, tenants: e.tenants },
    targets: [
      target('p50 embedded', '≤ 3 ms', `${e.latency.p50} ms`, e.latency.p50 <= 3 && ok(e)),
      target('p99 embedded', '≤ 10 ms', `${e.latency.p99} ms`, e.latency.p99 <= 10 && ok(e)),
      target('p99 two nodes', '≤ 20 ms', `${k.latency.p99} ms`, k.latency.p99 <= 20 && ok(k)),
      target(
        'p99 two nodes / p99 embedded (same run, #16)',
        '≤ 3×',
        `${ratios.clusterVsEmbedded}×`,
        ratios.clusterVsEmbedded <= 3 && ok(k),
      ),
    ],
    data: { ...results, ratios } as unknown as Record<string, unknown>,
    notes,
    ...(o.profile
      ? { profiles: collectProfiles(o, ['a-embedded-node1', 'a-cluster-node1', 'a-cluster-node2']) ?? {} }
      : {}),
  };
}

/**
 * (j) Soak (issue #16): 2,000 sockets of 20 tenants stay connected while one
 * sender posts 200 webhooks/s open-loop for 30 minutes (`--minutes N`; quick: 2
 * minutes), embedded (one node, SQLite) and two nodes on PostgreSQL + Redis
 * (each tenant's sockets split over both, webhooks alternating between them).
 * Every minute (quick: 20 s) each server process is read — RSS, V8 heap, event-loop
 * delay, CPU, open sockets (bench/lib/soak-sampler.ts) — together with the
 * webhook → socket latencies that arrived in the interval. The verdict: the
 * least-squares slope of RSS and of the heap's low-water mark over the second
 * half, against a limit (bench/soak-verdict.ts); deliveries missing at the end.
 */
import { type LoadResult, sumCollected, WorkerPool } from './lib/clients.js';
import { servicesCpuSeconds } from './lib/machine.js';
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
import { type Dialect, scratchStore, tempDir } from './lib/scratch-store.js';
import { REDIS_URL, type ServerProcess } from './lib/server.js';
import { type NodeSample, NodeSampler, SOAK_PROBE_ARGS, slope } from './lib/soak-sampler.js';
import { concat, nowMs, round, sleep, summarize } from './lib/stats.js';
import type { SoakModeResult, SoakSample } from './soak-result.js';
import { flatTarget } from './soak-verdict.js';

export const SOAK_RATE = 200;
export const SOAK_SOCKETS = 2000;
export const SOAK_TENANTS = 20;

interface Mode {
  key: 'embedded' | 'cluster';
  label: string;
  dialect: Dialect;
  nodes: number;
}

const MODES: Mode[] = [
  { key: 'embedded', label: 'embedded: 1 node, SQLite, in-process bus', dialect: 'sqlite', nodes: 1 },
  { key: 'cluster', label: '2 nodes, PostgreSQL + Redis', dialect: 'postgres', nodes: 2 },
];

async function runMode(
  o: BenchOptions,
  m: Mode,
  minutes: number,
  sampleSeconds: number,
  warnings: string[],
): Promise<SoakModeResult> {
  const perTenant = SOAK_SOCKETS / SOAK_TENANTS;
  const store = await scratchStore(m.dialect);
  const tenants = store.fixture.tenants.slice(0, SOAK_TENANTS);
  const probes = tempDir('soak-probe');
  const nodes: ServerProcess[] = [];
  const receivers = await WorkerPool.start(2, `j-${m.key}-recv`);
  const senders = await WorkerPool.start(1, `j-${m.key}-send`);
  try {
    const samplers: NodeSampler[] = [];
    for (let i = 1; i <= m.nodes; i++) {
      const tag = `j-${m.key}-node${i}`;
      const probeFile = `${probes.path}/${tag}.jsonl`;
      const node = await startTaggedNewton(o, tag, store, {
        redisUrl: m.nodes > 1 ? REDIS_URL : undefined,
        nodeId: `bench-${m.key}-${i}`,
        nodeArgs: SOAK_PROBE_ARGS,
        extraEnv: { BENCH_PROBE_FILE: probeFile },
      });
      nodes.push(node);
      samplers.push(new NodeSampler(node, probeFile));
    }
    // Socket j of a tenant goes to node j % nodes: each tenant has sockets on every node.
    const urls: string[] = [];
    for (const t of tenants) {
      for (let j = 0; j < perTenant; j++) {
        const node = nodes[j % nodes.length] as ServerProcess;
        urls.push(`${node.url.replace(/^http/, 'ws')}/ws/conversations/${t.tenant}?token=${t.token}`);
      }
    }
    const conn = await receivers.connect('newton', urls, 50);
    if (conn.failed > 0) throw new Error(`${conn.failed} of ${urls.length} sockets could not connect`);
    await receivers.setMode('latency');
    const sender = senders.workers[0];
    if (!sender) throw new Error('no sender');
    const loadArgs = (seconds: number, prefix: string) => ({
      targets: nodes.map((n) => n.url),
      instances: tenants.map((t) => t.instance),
      phonesPerTenant: 10,
      rate: SOAK_RATE,
      total: Math.round(SOAK_RATE * seconds),
      shard: 0,
      shards: 1,
      startAt: nowMs() + 200,
      connections: 16,
      idPrefix: prefix,
      drainMs: 30_000,
    });
    log(`(j) ${m.label}: ${urls.length} sockets connected; warm-up`);
    await sender.call('load', loadArgs(o.quick ? 2 : 5, `warm-${m.key}`));
    await store.analyze();
    await sleep(500);
    const base = sumCollected(await receivers.collect());
    for (const s of samplers) await s.reset();
    const clientCpu0 = receivers.cpuSeconds() + senders.cpuSeconds();
    const dbCpu0 = servicesCpuSeconds();

    log(`(j) ${m.label}: ${SOAK_RATE} webhooks/s for ${minutes} min, a sample every ${sampleSeconds} s`);
    const args = loadArgs(minutes * 60, `j-${m.key}`);
    const t0 = args.startAt;
    let loadResult: LoadResult | undefined;
    let loadError: unknown;
    const loading = sender.call<LoadResult>('load', args).then(
      (r) => {
        loadResult = r;
      },
      (err: unknown) => {
        loadError = err;
      },
    );
    const acceptedByNodes = async () =>
      (await Promise.all(samplers.map((x) => x.acceptedSinceReset()))).reduce((a, b) => a + b, 0);
    const count = Math.max(1, Math.round((minutes * 60) / sampleSeconds));
    const samples: SoakSample[] = [];
    let received = 0;
    let last = t0;
    let clientCpu = receivers.cpuSeconds() + senders.cpuSeconds();
    for (let k = 1; k <= count; k++) {
      if (k < count) {
        await sleep(Math.max(0, t0 + k * sampleSeconds * 1000 - nowMs()));
        if (loadError) throw loadError;
      } else {
        // The last interval also takes in the deliveries of the last webhooks sent.
        await loading;
        if (loadError) throw loadError;
        await receivers.awaitLatencies(t0, (await acceptedByNodes()) * perTenant - received, 10_000);
      }
      const end = nowMs();
      const nodeSamples = await Promise.all(samplers.map((s) => s.sample()));
      const got = await receivers.collect();
      const lat = summarize(concat(got.map((g) => g.latencies)));
      received += lat.count;
      const cpuNow = receivers.cpuSeconds() + senders.cpuSeconds();
      const sample: SoakSample = {
        atMinutes: round((end - t0) / 60_000, 2),
        seconds: round((end - last) / 1000, 1),
        nodes: nodeSamples,
        deliveries: lat.count,
        latency: { p50: lat.p50, p99: lat.p99, max: lat.max },
        clientCpuSeconds: round(cpuNow - clientCpu),
      };
      last = end;
      clientCpu = cpuNow;
      samples.push(sample);
      log(`(j) ${m.label}: ${describeSample(sample)}`);
    }
    for (const n of nodes) measured(n.name, t0, nowMs());
    const r = loadResult as LoadResult;
    // Deliveries that came after the last sample count towards the total, not towards any interval.
    const after = await receivers.collect();
    received += after.reduce((n, g) => n + g.latencies.length, 0);
    const totals = sumCollected(after);
    const half = samples.slice(Math.floor(samples.length / 2));
    const xs = half.map((s) => s.atMinutes);
    const slopes = nodes.map((n, i) => ({
      node: n.name,
      rssMiBPerMin: round(
        slope(
          xs,
          half.map((s) => s.nodes[i]?.rssMiB ?? Number.NaN),
        ),
        3,
      ),
      heapLowMiBPerMin: round(
        slope(
          xs,
          half.map((s) => s.nodes[i]?.heapLowMiB ?? Number.NaN),
        ),
        3,
      ),
    }));
    // Expected: every webhook a node accepted (its own count: one the sender gave up on may still be) at every socket of the tenant.
    const nodesAccepted = await acceptedByNodes();
    const expected = nodesAccepted * perTenant;
    return {
      label: m.label,
      nodes: nodes.map((n) => n.name),
      minutes,
      sampleSeconds,
      sockets: urls.length,
      tenants: tenants.length,
      rate: SOAK_RATE,
      samples,
      secondHalf: [half[0]?.atMinutes ?? Number.NaN, half[half.length - 1]?.atMinutes ?? Number.NaN],
      slopes,
      webhooksSent: r.sent,
      webhooksAccepted: r.accepted,
      webhooksAcceptedByNodes: nodesAccepted,
      httpErrors: r.errors + r.timedOut,
      expectedDeliveries: expected,
      deliveries: received,
      missing: expected - received,
      gaps: totals.gaps - base.gaps,
      dupes: totals.dupes - base.dupes,
      resyncs: totals.resyncs - base.resyncs,
      unexpectedCloses: totals.unexpectedCloses - base.unexpectedCloses,
      http: summarize(r.latency),
      senderLagP99: summarize(r.lag).p99,
      serverCpuSeconds: round(samples.reduce((s, x) => s + x.nodes.reduce((a, n) => a + n.cpuSeconds, 0), 0)),
      clientCpuSeconds: round(receivers.cpuSeconds() + senders.cpuSeconds() - clientCpu0),
      dbCpuSeconds: round(servicesCpuSeconds() - dbCpu0),
    };
  } finally {
    await receivers.stop();
    await senders.stop();
    await stopServers(nodes, store, warnings);
    probes.remove();
  }
}

/** "RSS 80.1 MiB, heap 30.2 (low 20.1) MiB, loop p99 1.2 ms, CPU 12.3 s; 1,200,000 deliveries p99 4.5 ms" */
function describeSample(s: SoakSample): string {
  const per = (f: (n: NodeSample) => number) => s.nodes.map(f).join(' / ');
  return (
    `${s.atMinutes} min: ${s.nodes.reduce((a, n) => a + n.webhooksAccepted, 0)} webhooks accepted; RSS ${per((n) => n.rssMiB)} (anon ${per((n) => n.rssAnonMiB)}) MiB, heap ${per((n) => n.heapUsedMiB)} ` +
    `(low ${per((n) => n.heapLowMiB)}) MiB, loop delay p99 ${per((n) => n.loopDelayP99Ms)} ms, ` +
    `CPU ${per((n) => n.cpuSeconds)} s, sockets ${per((n) => n.sockets)}; ` +
    `${s.deliveries} deliveries p50 ${s.latency.p50} / p99 ${s.latency.p99} ms; load generators CPU ${s.clientCpuSeconds} s`
  );
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const minutes = o.minutes ?? (o.quick ? 2 : 30);
  const sampleSeconds = o.quick ? 20 : 60;
  const warnings: string[] = [];
  const results: Record<string, SoakModeResult> = {};
  const modes = MODES.filter((m) => !o.soakModes || o.soakModes.includes(m.key));
  if (modes.length === 0)
    throw new Error(`--soak-modes: none of ${o.soakModes?.join(', ')} (known: embedded, cluster)`);
  for (const m of modes) results[m.key] = await runMode(o, m, minutes, sampleSeconds, warnings);
  const ran = modes.map((m) => ({
    name: m.key === 'embedded' ? 'embedded' : 'two nodes',
    r: results[m.key] as SoakModeResult,
  }));
  const whole = (r: SoakModeResult) => r.missing === 0 && r.gaps === 0 && r.dupes === 0;
  const notes = [...warnings];
  for (const { r } of ran) {
    if (!whole(r) || r.webhooksAccepted < r.webhooksSent)
      notes.push(
        `${r.label}: ${r.webhooksSent - r.webhooksAccepted} webhooks not answered "accepted" within 30 s of the last send (${r.webhooksAcceptedByNodes} accepted by the nodes' count), ${r.missing} deliveries missing 10 s after the last answer, ${r.gaps} seq gaps, ${r.dupes} repeats`,
      );
    const closes = r.samples.at(-1)?.nodes.reduce((s, n) => s + n.slowConsumerCloses, 0) ?? 0;
    if (r.unexpectedCloses > 0 || r.resyncs > 0 || closes > 0)
      notes.push(
        `${r.label}: ${r.unexpectedCloses} sockets closed by the server (${closes} as slow consumers), ${r.resyncs} resync_required`,
      );
    if (r.senderLagP99 > 5)
      notes.push(
        `${r.label}: the sender fell behind its schedule (p99 ${r.senderLagP99} ms): the load generator itself was short of CPU`,
      );
  }
  return {
    id: 'j',
    title: `Soak: ${SOAK_RATE} webhooks/s, ${SOAK_SOCKETS.toLocaleString('en-US')} sockets, ${minutes} min, sampled every ${sampleSeconds === 60 ? 'minute' : `${sampleSeconds} s`}`,
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: round(ran.reduce((s, x) => s + x.r.serverCpuSeconds, 0)),
    params: { rate: SOAK_RATE, sockets: SOAK_SOCKETS, tenants: SOAK_TENANTS, minutes, sampleSeconds },
    targets: [
      ...ran.map((x) => flatTarget(x.r, x.name)),
      target(
        `deliveries missing 10 s after the last answer, ${ran.map((x) => x.name).join(' / ')}`,
        '0 (no seq gap or repeat)',
        `${ran.map((x) => x.r.missing).join(' / ')} (of ${ran.map((x) => x.r.expectedDeliveries.toLocaleString('en-US')).join(' / ')})`,
        ran.every((x) => whole(x.r)),
      ),
    ],
    data: results as unknown as Record<string, unknown>,
    notes,
    ...(o.profile
      ? {
          profiles:
            collectProfiles(
              o,
              modes.flatMap((m) => Array.from({ length: m.nodes }, (_, i) => `j-${m.key}-node${i + 1}`)),
            ) ?? {},
        }
      : {}),
  };
}

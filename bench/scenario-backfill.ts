/**
 * (f) Backfill under live load (#12): Evolution (the provider simulator, in
 * this process) holds 10,000 messages of one tenant whose webhooks never
 * came; `POST /api/admin/backfill` recovers them while live webhooks flow at
 * 200/s over the 100 fixture tenants. Figures: backfill throughput (messages
 * stored and published per second, from the run's own duration), and the
 * live webhook → socket latency of the webhooks sent while it ran, next to
 * the same load without a backfill just before. Embedded: one node, SQLite.
 */
import { execFileSync } from 'node:child_process';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { installEvolution } from '@newton/server/testing/provider-simulator/evolution';
import { ProviderSimulator } from '@newton/server/testing/provider-simulator/server';
import { type LoadResult, sumCollected, WorkerPool } from './lib/clients.js';
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
import { scratchStore } from './lib/scratch-store.js';
import { NEWTON_BIN, newtonEnv } from './lib/server.js';
import { nowMs, round, type Summary, sleep, summarize } from './lib/stats.js';

const INSTANCE = 'bf-bench';
const KEY = 'bench-backfill-key';

export interface BackfillData {
  held: number;
  rate: number;
  sockets: number;
  recoveredSockets: number;
  recovered: number;
  alreadyHad: number;
  pages: number;
  runMs: number;
  throughput: number;
  /** Frames (recovered messages and their new leads) the tenant's sockets received, and repeats/gaps among them. */
  recoveredDeliveries: number;
  recoveredDupes: number;
  recoveredGaps: number;
  liveBefore: Summary;
  liveDuring: Summary;
  webhooksAccepted: number;
  webhooksSent: number;
  serverCpuSeconds: number;
}

function newton(env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync(process.execPath, [NEWTON_BIN, ...args], { env, encoding: 'utf8' }).trim();
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const held = o.quick ? 2000 : 10_000;
  const rate = 200;
  const store = await scratchStore('sqlite');
  const tenants = store.fixture.tenants;
  const solo = store.fixture.solo;
  const sim = await ProviderSimulator.start();
  const evo = installEvolution(sim, { instances: { [INSTANCE]: KEY } });
  const env = newtonEnv(store.env);
  const admin = newton(env, 'token', solo.tenant, '--role', 'admin', '--ttl', '1h');
  // What Evolution stored while its webhooks failed: 500 customers, over the last hour.
  const nowSec = Math.floor(Date.now() / 1000);
  for (let i = 0; i < held; i++) {
    evo.history.hold(
      upsertBody({
        instance: INSTANCE,
        from: `5730012${String(i % 500).padStart(5, '0')}`,
        text: `mensaje retenido ${i}`,
        timestamp: nowSec - 3600 + Math.floor((i * 3600) / held),
      }),
    );
  }
  const server = await startTaggedNewton(o, 'f-newton', store);
  // Added once the node runs (the start backfill lists instances as the node starts): only the
  // measured run reads the held messages.
  newton(
    env,
    'instance',
    'add',
    solo.tenant,
    '--provider',
    'evolution',
    '--instance',
    INSTANCE,
    '--apikey',
    KEY,
    '--url',
    sim.url,
  );
  const receivers = await WorkerPool.start(1, 'f-recv');
  const watchers = await WorkerPool.start(1, 'f-watch');
  const senders = await WorkerPool.start(1, 'f-send');
  const warnings: string[] = [];
  let result: ScenarioResult;
  try {
    const ws = server.url.replace(/^http/, 'ws');
    const urls = tenants.map((t) => `${ws}/ws/conversations/${t.tenant}?token=${t.token}`);
    const recoveredSockets = 5;
    const soloUrls = Array.from(
      { length: recoveredSockets },
      () => `${ws}/ws/conversations/${solo.tenant}?token=${solo.token}`,
    );
    if ((await receivers.connect('newton', urls, 50)).failed > 0)
      throw new Error('live sockets could not connect');
    if ((await watchers.connect('newton', soloUrls, 10)).failed > 0)
      throw new Error('tenant sockets could not connect');
    await receivers.setMode('latency');
    await watchers.setMode('latency');
    const sender = senders.workers[0];
    if (!sender) throw new Error('no sender');
    const seconds = o.quick ? 8 : 15;
    const loadArgs = (total: number, prefix: string, startAt: number) => ({
      targets: [server.url],
      instances: tenants.map((t) => t.instance),
      phonesPerTenant: 10,
      rate,
      total,
      shard: 0,
      shards: 1,
      startAt,
      connections: 16,
      idPrefix: prefix,
      drainMs: 30_000,
    });
    log(`(f) warm-up`);
    await sender.call('load', loadArgs(rate * 2, 'f-warm', nowMs() + 200));
    await sleep(500);
    await receivers.collect();

    log(`(f) ${rate} webhooks/s for ${seconds} s; backfill of ${held} held messages from second 3`);
    const cpu0 = server.cpuSeconds();
    const t0 = nowMs() + 200;
    const args = loadArgs(rate * seconds, 'f-live', t0);
    const load = sender.call<LoadResult>('load', args);
    await sleep(3200);
    const bfStart = nowMs();
    const res = await fetch(`${server.url}/api/admin/backfill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ tenant: solo.tenant, instance: INSTANCE, since: '2h' }),
    });
    const bfEnd = nowMs();
    const summary = (await res.json()) as {
      ok: boolean;
      recovered: number;
      already_had: number;
      pages: number;
      duration_ms: number;
      error?: unknown;
    };
    if (res.status !== 200 || !summary.ok)
      throw new Error(`backfill answered ${res.status}: ${JSON.stringify(summary)}`);
    log(`(f) backfill: ${summary.recovered} recovered in ${summary.duration_ms} ms`);
    const r = await load;
    await receivers.awaitLatencies(t0, r.accepted, 10_000);
    const cpu = server.cpuSeconds() - cpu0;
    measured('f-newton', t0, nowMs());
    const [got] = await receivers.collect(t0);
    if (!got) throw new Error('no receiver');
    const before: number[] = [];
    const during: number[] = [];
    got.latencies.forEach((l, i) => {
      const sent = got.sent[i] ?? 0;
      if (sent >= t0 + 500 && sent < bfStart) before.push(l);
      else if (sent >= bfStart && sent <= bfEnd) during.push(l);
    });
    // Every event of the tenant (recovered messages, their new leads) reaches each of its sockets once
    // (or the wait ends after 10 s).
    const tenantsRes = await fetch(`${server.url}/api/admin/tenants`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const { items } = (await tenantsRes.json()) as { items: { id: string; last_seq: number }[] };
    const head = items.find((t) => t.id === solo.tenant)?.last_seq ?? 0;
    const expected = head * recoveredSockets;
    const deadline = Date.now() + 10_000;
    let watched = sumCollected(await watchers.collect());
    while (watched.deliveries < expected && Date.now() < deadline) {
      await sleep(200);
      watched = sumCollected(await watchers.collect());
    }
    const data: BackfillData = {
      held,
      rate,
      sockets: urls.length,
      recoveredSockets,
      recovered: summary.recovered,
      alreadyHad: summary.already_had,
      pages: summary.pages,
      runMs: summary.duration_ms,
      throughput: round(summary.recovered / (summary.duration_ms / 1000), 0),
      recoveredDeliveries: watched.deliveries,
      recoveredDupes: watched.dupes,
      recoveredGaps: watched.gaps,
      liveBefore: summarize(before),
      liveDuring: summarize(during),
      webhooksAccepted: r.accepted,
      webhooksSent: r.sent,
      serverCpuSeconds: round(cpu),
    };
    const notes: string[] = [];
    if (data.recoveredDeliveries !== expected || data.recoveredDupes > 0 || data.recoveredGaps > 0)
      notes.push(
        `the tenant's ${recoveredSockets} sockets received ${data.recoveredDeliveries} frames (expected ${expected}: ${head} events each), ${data.recoveredDupes} repeats, ${data.recoveredGaps} gaps`,
      );
    if (r.accepted < r.sent) notes.push(`${r.sent - r.accepted} live webhooks were not accepted`);
    result = {
      id: 'f',
      title: `Backfill of ${held.toLocaleString('en')} held messages while live webhooks flow at ${rate}/s`,
      startedAt,
      wallSeconds: round((nowMs() - started) / 1000),
      serverCpuSeconds: data.serverCpuSeconds,
      params: { held, rate, seconds, sockets: urls.length, recoveredSockets },
      targets: [
        target(
          'backfill throughput embedded',
          '≥ 2,000 msgs/s',
          `${data.throughput} msgs/s`,
          data.throughput >= 2000,
        ),
        target(
          'live p99 during backfill embedded',
          '≤ 20 ms',
          `${data.liveDuring.p99} ms`,
          data.liveDuring.count > 0 && data.liveDuring.p99 <= 20,
        ),
      ],
      data: data as unknown as Record<string, unknown>,
      notes,
    };
  } finally {
    await receivers.stop();
    await watchers.stop();
    await senders.stop();
    await stopServers([server], undefined, warnings);
    await sim.close();
    await store.remove();
  }
  result.notes.push(...warnings);
  if (o.profile) result.profiles = collectProfiles(o, ['f-newton']) ?? {};
  return result;
}

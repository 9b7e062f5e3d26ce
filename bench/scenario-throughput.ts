/**
 * (d) Sustained webhooks/s with HTTP p99 ≤ 50 ms: one node, no sockets,
 * webhooks over 100 tenants (10 customer numbers each) offered open-loop by
 * two sender processes at a rising rate, a few seconds per step. The latency
 * of a webhook counts from the moment it was due (so queueing in the sender,
 * when every connection is busy, counts as well). The ramp stops after the
 * first step whose p99 exceeds 50 ms and bisects twice between that rate and
 * the last passing one. Embedded (SQLite) and PostgreSQL.
 */
import { type LoadResult, WorkerPool } from './lib/clients.js';
import { startFloor } from './lib/floor.js';
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
import { type Dialect, scratchStore } from './lib/scratch-store.js';
import { concat, nowMs, round, type Summary, sleep, summarize } from './lib/stats.js';

const P99_LIMIT_MS = 50;

export interface RampStep {
  offered: number;
  /** A bisection step between the last passing and the first failing rate. */
  refinement: boolean;
  sent: number;
  accepted: number;
  failed: number;
  achieved: number;
  http: Summary;
  service: Summary;
  senderLagP99: number;
  serverCpuSeconds: number;
  /** Server CPU per second of the step: 1.0 = one core busy. */
  serverCpuLoad: number;
  /** PostgreSQL's (and Redis') CPU per second of the step, in cores. */
  dbCpuLoad: number;
  passed: boolean;
}

export interface RampResult {
  label: string;
  steps: RampStep[];
  /** Highest offered rate whose p99 stayed within the limit (0: none). */
  best: number;
  stepSeconds: number;
}

async function ramp(
  o: BenchOptions,
  dialect: Dialect,
  label: string,
  rates: number[],
  warnings: string[],
  kind: 'newton' | 'floor' = 'newton',
): Promise<RampResult> {
  const stepSeconds = o.quick ? 2 : 5;
  const tag = kind === 'floor' ? `d-floor-${dialect}` : `d-${dialect}`;
  const store = await scratchStore(dialect);
  // The floor (issue #16) takes the same webhooks; it keeps its own database and ignores the store.
  const floor = kind === 'floor' ? await startFloor(tag, dialect, o.verbose) : undefined;
  const server = floor ? floor.server : await startTaggedNewton(o, tag, store);
  const senders = await WorkerPool.start(2, `${tag}-send`);
  const steps: RampStep[] = [];
  try {
    const instances = store.fixture.tenants.map((t) => t.instance);
    const step = (rate: number, seconds: number, prefix: string) => {
      const startAt = nowMs() + 300;
      return Promise.all(
        senders.workers.map((w, shard) =>
          w.call<LoadResult>('load', {
            targets: [server.url],
            instances,
            phonesPerTenant: 10,
            rate,
            total: Math.round(rate * seconds),
            shard,
            shards: senders.workers.length,
            startAt,
            connections: 16,
            idPrefix: prefix,
            drainMs: 60_000,
          }),
        ),
      );
    };
    log(`(d) ${label}: warm-up`);
    await step(300, o.quick ? 1 : 2, `${tag}-warm`);
    await store.analyze();
    await sleep(500);
    const measure = async (rate: number, refinement: boolean): Promise<RampStep> => {
      const cpu0 = server.cpuSeconds();
      const dbCpu0 = servicesCpuSeconds();
      const t0 = nowMs();
      const rs = await step(rate, stepSeconds, `${tag}-${rate}-${steps.length}`);
      const wall = (nowMs() - t0) / 1000;
      const cpu = server.cpuSeconds() - cpu0;
      const dbCpu = servicesCpuSeconds() - dbCpu0;
      measured(tag, t0, nowMs());
      const http = summarize(concat(rs.map((r) => r.latency)));
      const answered = rs.reduce((s, r) => s + r.answered, 0);
      const span = Math.max(...rs.map((r) => r.answerSpanMs)) / 1000;
      const sent = rs.reduce((s, r) => s + r.sent, 0);
      const accepted = rs.reduce((s, r) => s + r.accepted, 0);
      const s: RampStep = {
        offered: rate,
        refinement,
        sent,
        accepted,
        failed: sent - accepted,
        achieved: round(answered / span, 0),
        http,
        service: summarize(concat(rs.map((r) => r.service))),
        senderLagP99: summarize(concat(rs.map((r) => r.lag))).p99,
        serverCpuSeconds: round(cpu),
        serverCpuLoad: round(cpu / wall),
        dbCpuLoad: round(dbCpu / wall),
        passed: http.p99 <= P99_LIMIT_MS && sent === accepted,
      };
      steps.push(s);
      log(
        `(d) ${label}: ${rate}/s → achieved ${s.achieved}/s, p50 ${http.p50} ms, p99 ${http.p99} ms${s.passed ? '' : ' (over the limit)'}`,
      );
      await sleep(s.passed ? 1000 : 2000);
      return s;
    };
    // Ramp until the first failing rate, then bisect between it and the last passing one.
    let pass = 0;
    let fail = 0;
    for (const rate of rates) {
      if ((await measure(rate, false)).passed) pass = rate;
      else {
        fail = rate;
        break;
      }
    }
    for (let i = 0; fail > 0 && i < (o.quick ? 1 : 2); i++) {
      const mid = Math.round((pass + fail) / 2 / 50) * 50;
      if (mid <= pass || mid >= fail) break;
      if ((await measure(mid, true)).passed) pass = mid;
      else fail = mid;
    }
  } finally {
    await senders.stop();
    await floor?.stop();
    await stopServers(floor ? [] : [server], store, warnings);
  }
  let best = 0;
  for (const s of steps) if (s.passed) best = s.offered;
  return { label, steps, best, stepSeconds };
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const rates = o.quick ? [500, 1000, 2000] : [500, 1000, 2000, 3000, 4000];
  const warnings: string[] = [];
  const embedded = await ramp(o, 'sqlite', 'embedded (SQLite)', rates, warnings);
  const postgres = await ramp(o, 'postgres', 'PostgreSQL, one node', rates, warnings);
  const floorRates = o.quick ? [500, 1000, 2000, 3000] : [500, 1000, 2000, 3000, 4000, 6000];
  const floorSqlite = await ramp(o, 'sqlite', 'floor, SQLite', floorRates, warnings, 'floor');
  const floorPostgres = await ramp(o, 'postgres', 'floor, PostgreSQL', floorRates, warnings, 'floor');
  const over = (a: number, b: number) => (b > 0 ? round(a / b, 2) : Number.NaN);
  const ratios = {
    embeddedVsFloor: over(embedded.best, floorSqlite.best),
    postgresVsFloor: over(postgres.best, floorPostgres.best),
    postgresVsEmbedded: over(postgres.best, embedded.best),
  };
  const cpu = [...embedded.steps, ...postgres.steps].reduce((s, x) => s + x.serverCpuSeconds, 0);
  const notes: string[] = [...warnings];
  for (const r of [embedded, postgres, floorSqlite, floorPostgres]) {
    const lagging = r.steps.filter((s) => s.senderLagP99 > 10);
    if (lagging.length)
      notes.push(
        `${r.label}: the senders fell behind their schedule at ${lagging.map((s) => `${s.offered}/s (p99 ${s.senderLagP99} ms)`).join(', ')} — the load generators were short of CPU there`,
      );
  }
  return {
    id: 'd',
    title: 'Sustained webhooks/s with HTTP p99 ≤ 50 ms',
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: round(cpu),
    params: {
      rates,
      stepSeconds: embedded.stepSeconds,
      tenants: 100,
      senderProcesses: 2,
      connectionsPerSender: 16,
    },
    targets: [
      target(
        'embedded, highest rate with p99 ≤ 50 ms',
        '≥ 3,000/s',
        `${embedded.best.toLocaleString('en-US')}/s`,
        embedded.best >= 3000,
      ),
    ],
    data: { embedded, postgres, floorSqlite, floorPostgres, ratios },
    notes,
    ...(o.profile ? { profiles: collectProfiles(o, ['d-sqlite', 'd-postgres']) ?? {} } : {}),
  };
}

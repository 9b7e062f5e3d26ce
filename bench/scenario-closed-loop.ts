/**
 * (h) Closed-loop ingest against its floor (issue #16): autocannon, 32
 * connections, unique message ids, over 100 tenants — first against the ingest
 * floor (bench/competitors/floor-server.ts: bare Fastify, one durable INSERT per
 * webhook), then against Newton, on SQLite and on PostgreSQL, one after the
 * other in the same run. What a user can plan with are the ratios: Newton's CPU
 * per webhook over the floor's (the steady one: it does not follow fsync
 * latency) and Newton's rate over the floor's; the absolute rates and
 * milliseconds depend on the host.
 */
import { type ClosedLoopResult, closedLoop } from './lib/closed-loop.js';
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
import type { ServerProcess } from './lib/server.js';
import { nowMs, round, sleep } from './lib/stats.js';
import { table } from './report-format.js';

const CPU_RATIO_TARGET = 1.5;
const PG_RATE_TARGET = 0.5;

interface Run extends ClosedLoopResult {
  /** PostgreSQL's CPU per second of the run, in cores (0 on SQLite). */
  dbCpuLoad: number;
}

export interface ClosedLoopPair {
  dialect: Dialect;
  floor: Run;
  newton: Run;
  /** Newton's CPU per webhook over the floor's. */
  cpuRatio: number;
  /** Newton's rate over the floor's. */
  rateRatio: number;
}

export interface ClosedLoopData {
  connections: number;
  seconds: number;
  pairs: ClosedLoopPair[];
  /** Newton on PostgreSQL (one node) over Newton embedded, closed-loop rate. */
  postgresVsEmbedded: number;
}

async function measure(
  server: ServerProcess,
  o: BenchOptions,
  instances: string[],
  tag: string,
  seconds: number,
  connections: number,
  /** After the warm-up (ScratchStore.analyze). */
  settle: () => Promise<void> = async () => {},
): Promise<Run> {
  // Warm-up: JIT, connection pools, SQLite's page cache; not counted.
  await closedLoop(server, { instances, connections, seconds: o.quick ? 1 : 2, idPrefix: `${tag}-warm` });
  await settle();
  await sleep(500);
  const db0 = servicesCpuSeconds();
  const t0 = nowMs();
  const r = await closedLoop(server, { instances, connections, seconds, idPrefix: `${tag}-run` });
  measured(tag, t0, nowMs());
  const dbCpuLoad = round((servicesCpuSeconds() - db0) / r.seconds, 2);
  log(
    `(h) ${tag}: ${r.rate}/s, ${r.cpuMsPerWebhook} ms CPU per webhook, p99 ${r.latencyP99} ms${r.non2xx + r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : ''}`,
  );
  return { ...r, dbCpuLoad };
}

async function pair(
  o: BenchOptions,
  dialect: Dialect,
  seconds: number,
  connections: number,
  warnings: string[],
): Promise<ClosedLoopPair> {
  const store = await scratchStore(dialect);
  const instances = store.fixture.tenants.map((t) => t.instance);
  let floorRun: Run;
  const floor = await startFloor(`h-floor-${dialect}`, dialect, o.verbose);
  try {
    floorRun = await measure(floor.server, o, instances, `h-floor-${dialect}`, seconds, connections);
  } finally {
    await floor.stop();
  }
  const tag = `h-${dialect}`;
  const server = await startTaggedNewton(o, tag, store);
  let newtonRun: Run;
  try {
    newtonRun = await measure(server, o, instances, tag, seconds, connections, () => store.analyze());
  } finally {
    await stopServers([server], store, warnings);
  }
  return {
    dialect,
    floor: floorRun,
    newton: newtonRun,
    cpuRatio: round(newtonRun.cpuMsPerWebhook / floorRun.cpuMsPerWebhook, 2),
    rateRatio: round(newtonRun.rate / floorRun.rate, 2),
  };
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const seconds = o.quick ? 3 : 10;
  const connections = 32;
  const warnings: string[] = [];
  const embedded = await pair(o, 'sqlite', seconds, connections, warnings);
  const postgres = await pair(o, 'postgres', seconds, connections, warnings);
  const pgVsEmbedded = round(postgres.newton.rate / embedded.newton.rate, 2);
  const notes = [...warnings];
  for (const p of [embedded, postgres]) {
    for (const [who, r] of [
      ['floor', p.floor],
      ['Newton', p.newton],
    ] as const) {
      if (r.non2xx + r.errors + r.timeouts > 0)
        notes.push(
          `${p.dialect}, ${who}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`,
        );
    }
  }
  const data: ClosedLoopData = {
    connections,
    seconds,
    pairs: [embedded, postgres],
    postgresVsEmbedded: pgVsEmbedded,
  };
  return {
    id: 'h',
    title: 'Closed-loop ingest (autocannon) against the floor',
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: round(embedded.newton.serverCpuSeconds + postgres.newton.serverCpuSeconds),
    params: { connections, seconds, tenants: 100 },
    targets: [
      target(
        'embedded: CPU per webhook, Newton / floor (same run)',
        `≤ ${CPU_RATIO_TARGET}×`,
        `${embedded.cpuRatio}× (${embedded.newton.cpuMsPerWebhook} / ${embedded.floor.cpuMsPerWebhook} ms)`,
        embedded.cpuRatio <= CPU_RATIO_TARGET,
      ),
      target(
        'PostgreSQL one node / embedded, closed-loop rate (same run)',
        `≥ ${PG_RATE_TARGET}×`,
        `${pgVsEmbedded}× (${postgres.newton.rate} / ${embedded.newton.rate} per s)`,
        pgVsEmbedded >= PG_RATE_TARGET,
      ),
    ],
    data: data as unknown as Record<string, unknown>,
    notes,
    ...(o.profile ? { profiles: collectProfiles(o, ['h-sqlite', 'h-postgres']) ?? {} } : {}),
  };
}

/** Its section of docs/benchmarks.md. */
export function closedLoopSection(r: ScenarioResult): string {
  const d = r.data as unknown as ClosedLoopData;
  const rows = d.pairs.flatMap((p) =>
    (
      [
        ['floor', p.floor],
        ['Newton', p.newton],
      ] as const
    ).map(([who, x]) => [
      `${p.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${who}`,
      `${x.rate.toLocaleString('en-US')}/s`,
      `${x.cpuMsPerWebhook} ms`,
      `${x.latencyP50} / ${x.latencyP99} ms`,
      x.dbCpuLoad ? `${x.dbCpuLoad} cores` : '—',
    ]),
  );
  const ratios = d.pairs.map((p) => [
    p.dialect === 'sqlite' ? 'embedded (SQLite)' : 'PostgreSQL, one node',
    `${p.cpuRatio}×`,
    `${p.rateRatio}×`,
  ]);
  return `## (h) Closed-loop ingest against its floor (issue #16)

\`bench/scenario-closed-loop.ts\`: autocannon, ${d.connections} connections, ${d.seconds} s per run, every
webhook a text \`messages.upsert\` with a message id of its own, over 100 tenants. The **floor**
(\`bench/competitors/floor-server.ts\`) is a bare Fastify route that parses the same webhook and
makes it durable with one INSERT per request (SQLite WAL \`synchronous=FULL\`, or PostgreSQL
autocommit), in the same run. Ratios first; rates and milliseconds are host-dependent.

${table(['store', 'CPU per webhook, Newton / floor', 'rate, Newton / floor'], ratios)}

Newton on PostgreSQL (one node) sustained **${d.postgresVsEmbedded}×** the embedded rate.

${table(['server', 'rate (2xx/s)', 'server CPU per webhook', 'HTTP p50 / p99', 'PostgreSQL CPU'], rows)}`;
}

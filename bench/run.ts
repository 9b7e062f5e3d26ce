/**
 * The benchmark suite. Every server under test runs as its own process
 * (LOG_LEVEL=warn, 127.0.0.1); load generators are separate processes too.
 *
 *   npm run bench                              # every scenario; writes docs/benchmarks.md
 *   npm run bench -- --scenario a,b --quick    # some scenarios, small and short
 *   npm run bench -- --scenario seq --messages 1000 --sockets 100
 *   npm run bench -- --profile                 # Newton servers under node --cpu-prof
 *
 * Scenarios: seq (issue #2, bench/latency.ts), a latency under load, b
 * fan-out vs ws and Socket.IO, c memory per idle socket, d sustained webhook
 * rate, e reconnect storm, f backfill under live load, g CLI cold start, h
 * closed-loop ingest against the floor, i search over 100,000 messages, j soak
 * (30 minutes per mode, `--minutes N`). Raw results (JSON) and profiles go to
 * bench/data/ (ignored by git and biome, like every data/ folder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSnapshot, foreignCores, machine, waitForQuiet } from './lib/machine.js';
import { type BenchOptions, log, type ScenarioResult } from './lib/scenario.js';
import { cleanupAll } from './lib/scratch-store.js';
import { ROOT, stopAllServers } from './lib/server.js';
import { writeReport } from './report.js';

type Runner = (o: BenchOptions) => Promise<ScenarioResult>;

const SCENARIOS: Record<string, { title: string; load: () => Promise<Runner> }> = {
  seq: {
    title: 'sequential webhook → socket latency (issue #2)',
    load: async () => (await import('./scenario-seq.js')).run,
  },
  a: {
    title: 'webhook → socket latency under load',
    load: async () => (await import('./scenario-latency.js')).run,
  },
  b: {
    title: 'fan-out to one tenant vs ws and Socket.IO',
    load: async () => (await import('./scenario-fanout.js')).run,
  },
  c: { title: 'memory per idle socket', load: async () => (await import('./scenario-memory.js')).run },
  d: {
    title: 'sustained webhooks/s with p99 ≤ 50 ms',
    load: async () => (await import('./scenario-throughput.js')).run,
  },
  e: { title: 'reconnect storm', load: async () => (await import('./scenario-storm.js')).run },
  f: {
    title: 'backfill of held messages under live webhooks',
    load: async () => (await import('./scenario-backfill.js')).run,
  },
  g: {
    title: 'CLI cold start: `newton token`, compiled vs tsx (issue #14)',
    load: async () => (await import('./scenario-coldstart.js')).run,
  },
  h: {
    title: 'closed-loop ingest (autocannon) against the floor (issue #16)',
    load: async () => (await import('./scenario-closed-loop.js')).run,
  },
  i: {
    title: 'search over 100,000 messages, p99 per query (issue #15)',
    load: async () => (await import('./scenario-search.js')).run,
  },
  j: {
    title: 'soak: 200 webhooks/s, 2,000 sockets, sampled every minute',
    load: async () => (await import('./scenario-soak.js')).run,
  },
};

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    report: { type: 'boolean' },
    'no-report': { type: 'boolean', default: false },
    messages: { type: 'string' },
    sockets: { type: 'string' },
    minutes: { type: 'string' },
    'soak-modes': { type: 'string' },
    results: { type: 'string', default: 'bench/data' },
    'quiet-wait': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    [
      'usage: npm run bench -- [--scenario all|seq,a,b,c,d,e,f,g,h,i,j] [--quick] [--profile] [--verbose]',
      '                        [--report | --no-report] [--messages N --sockets N] [--results DIR]',
      '                        [--minutes N]            scenario j: minutes per mode (default 30, quick 2;',
      '                                                 a sample every minute, quick every 20 s)',
      '                        [--soak-modes embedded,cluster]  scenario j: which modes (default both)',
      '                        [--quiet-wait SECONDS]   wait up to this long for other processes to calm down',
      '                                                 before each scenario (default 60, quick 5; 3× in all)',
      '',
      ...Object.entries(SCENARIOS).map(([id, s]) => `  ${id.padEnd(4)} ${s.title}`),
      '',
      'docs/benchmarks.md is rewritten after a full run (all scenarios, not --quick) or with --report.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const ids =
  values.scenario === 'all'
    ? Object.keys(SCENARIOS)
    : (values.scenario ?? '').split(',').map((s) => s.trim());
for (const id of ids) {
  if (!SCENARIOS[id]) {
    process.stderr.write(`unknown scenario "${id}" (known: ${Object.keys(SCENARIOS).join(', ')})\n`);
    process.exit(2);
  }
}
const options: BenchOptions = {
  quick: values.quick ?? false,
  profile: values.profile ?? false,
  verbose: values.verbose ?? false,
  messages: values.messages ? Number(values.messages) : undefined,
  sockets: values.sockets ? Number(values.sockets) : undefined,
  minutes: values.minutes ? Number(values.minutes) : undefined,
  soakModes: values['soak-modes']?.split(',').map((m) => m.trim()),
  resultsDir: values.results ?? 'bench/data',
};
// Waiting for other processes to calm down: per scenario, and in all (keeps the run bounded).
const quietWaitMs = Number(values['quiet-wait'] ?? (options.quick ? 5 : 60)) * 1000;
let quietBudgetMs = quietWaitMs * 3;
const fullRun = ids.length === Object.keys(SCENARIOS).length && !options.quick;
const writeDocs = !values['no-report'] && (values.report ?? fullRun);

let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  log('interrupted: stopping servers, removing scratch databases');
  void cleanupAll().finally(() => process.exit(130));
});

async function main(): Promise<number> {
  const runStarted = Date.now();
  const results: ScenarioResult[] = [];
  let failed = 0;
  try {
    for (const id of ids) {
      if (interrupted) break;
      const s = SCENARIOS[id];
      if (!s) continue;
      const waitStart = Date.now();
      const allowed = Math.min(quietWaitMs, quietBudgetMs);
      const background = await waitForQuiet(allowed, 0.3, (cores) =>
        log(
          `other processes keep ${cores.toFixed(2)} cores busy; waiting (up to ${Math.round(allowed / 1000)} s)`,
        ),
      );
      quietBudgetMs = Math.max(0, quietBudgetMs - (Date.now() - waitStart));
      if (background >= 0.3) log(`starting anyway with ${background.toFixed(2)} cores busy elsewhere`);
      log(`scenario ${id}: ${s.title}${options.quick ? ' (quick)' : ''}`);
      const t0 = Date.now();
      const cpu0 = cpuSnapshot();
      try {
        const r = await (await s.load())(options);
        r.backgroundCores = Math.round(background * 100) / 100;
        r.foreignCores = Math.round(foreignCores(cpu0, cpuSnapshot()) * 100) / 100;
        if (r.foreignCores > 0.2)
          r.notes.push(
            `other processes on the machine (not this run, PostgreSQL or Redis) kept ${r.foreignCores} cores busy on average during this scenario: its figures are disturbed`,
          );
        results.push(r);
        log(`scenario ${id} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        process.stdout.write(
          `${JSON.stringify({ id: r.id, targets: r.targets, notes: r.notes }, null, 1)}\n`,
        );
      } catch (err) {
        failed++;
        log(`scenario ${id} failed: ${(err as Error).stack ?? err}`);
        await stopAllServers();
        results.push({
          id,
          title: s.title,
          startedAt: new Date(t0).toISOString(),
          wallSeconds: (Date.now() - t0) / 1000,
          serverCpuSeconds: Number.NaN,
          params: {},
          targets: [],
          data: {},
          notes: [],
          error: String((err as Error).message ?? err),
          backgroundCores: Math.round(background * 100) / 100,
        });
      }
    }
  } finally {
    await cleanupAll();
  }
  const run = {
    machine: machine(),
    quick: options.quick,
    scenarios: ids,
    totalSeconds: (Date.now() - runStarted) / 1000,
    results,
  };
  const dir = path.resolve(ROOT, options.resultsDir);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date(runStarted).toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(dir, `${stamp}.json`), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(run, null, 2)}\n`);
  log(
    `results: ${path.relative(ROOT, path.join(dir, `${stamp}.json`))} (${run.totalSeconds.toFixed(0)} s in all)`,
  );
  if (writeDocs) {
    const doc = writeReport(run);
    log(`wrote ${path.relative(ROOT, doc)}`);
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);

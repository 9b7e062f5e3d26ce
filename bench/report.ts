/**
 * Renders a run's results (bench/data/*.json) as docs/benchmarks.md.
 * bench/run.ts calls it after a full run; by hand:
 *
 *   node --import tsx bench/report.ts [bench/data/latest.json] [--out docs/benchmarks.md]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Machine } from './lib/machine.js';
import type { ScenarioResult, Target } from './lib/scenario.js';
import { fmt } from './lib/stats.js';
import { s2, table } from './report-format.js';
import { ratiosSection } from './report-ratios.js';
import { SECTIONS } from './report-sections.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface BenchRun {
  machine: Machine;
  quick: boolean;
  scenarios: string[];
  totalSeconds: number;
  results: ScenarioResult[];
}

function verdict(t: Target): string {
  if (t.met === null) return 'not measured';
  return t.met ? 'met' : '**missed**';
}

function machineLine(m: Machine): string {
  return `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os} (Linux ${m.kernel}), Node ${m.node}`;
}

/** The Markdown page for a run. */
export function renderReport(run: BenchRun): string {
  const m = run.machine;
  const date = m.date.slice(0, 10);
  const targets: string[][] = [];
  for (const r of run.results) {
    if (r.error) targets.push([r.id, r.title, '—', `failed: ${r.error}`, '**not measured**']);
    for (const t of r.targets) targets.push([r.id, t.what, t.goal, t.value, verdict(t)]);
  }
  const parts = [
    `# Benchmarks

Figures from \`npm run bench\` (\`bench/run.ts\`), written by \`bench/report.ts\`
from \`bench/data/*.json\`. Every server under test runs as its own
process (\`LOG_LEVEL=warn\`, on 127.0.0.1) and every load generator is a
separate process as well; server CPU is read from \`/proc/<pid>/stat\`
(utime + stime), RSS from \`/proc/<pid>/status\`. The machine is small and
shared (2 cores for servers, PostgreSQL, Redis and load generators alike), so
compare ratios measured in the same run rather than absolute numbers across
runs.${run.quick ? '\n\n**This was a `--quick` run: reduced sizes and durations, not the reference figures.**' : ''}

Machine: ${machineLine(m)}.
Run: ${m.date.replace('T', ' ').slice(0, 16)} UTC, ${fmt(run.totalSeconds / 60, 1)} min for the whole suite.

\`\`\`sh
npm run bench                              # every scenario, rewrites this page
npm run bench -- --scenario a,b --quick    # a subset, smaller and shorter (does not touch this page)
npm run bench -- --profile                 # Newton servers under node --cpu-prof (bench/data/profiles)
\`\`\`

## Targets (${date})

${table(['scenario', 'target', 'goal', 'measured', ''], targets)}`,
  ];
  const ratios = ratiosSection(run.results);
  // The page leads with the ratios (issue #16): before the targets' absolute figures.
  if (ratios) parts[0] = (parts[0] as string).replace('## Targets (', `${ratios}\n\n## Targets (`);
  for (const r of run.results) {
    if (r.error) {
      parts.push(`## ${r.id}: ${r.title}\n\nFailed: \`${r.error}\``);
      continue;
    }
    const render = SECTIONS[r.id];
    if (render) parts.push(render(r));
    if (r.notes.length) parts.push(r.notes.map((n) => `- ${n}`).join('\n'));
    if (r.profiles && Object.keys(r.profiles).length) {
      const lines = Object.entries(r.profiles)
        .filter(([, top]) => top.length)
        .map(([tag, top]) => `${tag}:\n${top.map((t) => `  ${t}`).join('\n')}`);
      if (lines.length)
        parts.push(
          `CPU profile, share of busy time by function (self time):\n\n\`\`\`\n${lines.join('\n')}\n\`\`\``,
        );
    }
  }
  parts.push(`## Wall time and server CPU per scenario

"Other processes" is CPU used on the machine by anything but this run, its
children, PostgreSQL and Redis (from \`/proc/stat\`), in cores: just before
the scenario started (the run waits up to 60 s, 3 min in all, for it to drop
below 0.3) and on average while it ran.

${table(
  [
    'scenario',
    'wall time (set-up included)',
    'server CPU in the measured phases',
    'other processes: before start / during',
  ],
  run.results.map((r) => [
    `${r.id}: ${r.title}`,
    s2(r.wallSeconds),
    s2(r.serverCpuSeconds),
    `${r.backgroundCores === undefined ? '—' : fmt(r.backgroundCores, 2)} / ${r.foreignCores === undefined ? '—' : fmt(r.foreignCores, 2)} cores`,
  ]),
)}`);
  return `${parts.join('\n\n')}\n`;
}

const KEPT_START = '<!-- kept: written by hand, carried over when this page is rewritten -->';
const KEPT_END = '<!-- /kept -->';

/**
 * The hand-written part of the current page, if any: from the first kept marker to
 * the last end marker (several kept sections in a row are carried over together).
 */
function keptSection(out: string): string | undefined {
  if (!existsSync(out)) return undefined;
  const text = readFileSync(out, 'utf8');
  const start = text.indexOf(KEPT_START);
  const end = text.lastIndexOf(KEPT_END);
  return start >= 0 && end > start ? text.slice(start, end + KEPT_END.length) : undefined;
}

/**
 * Writes the page (default docs/benchmarks.md); returns its path. A
 * hand-written analysis between the kept markers is carried over, placed
 * before the wall-time table.
 */
export function writeReport(run: BenchRun, out = path.join(ROOT, 'docs/benchmarks.md')): string {
  const kept = keptSection(out);
  let page = renderReport(run);
  if (kept) {
    const at = page.indexOf('## Wall time and server CPU per scenario');
    page = at >= 0 ? `${page.slice(0, at)}${kept}\n\n${page.slice(at)}` : `${page}\n${kept}\n`;
  }
  writeFileSync(out, page);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' } },
  });
  const file = positionals[0] ?? path.join(ROOT, 'bench/data/latest.json');
  const run = JSON.parse(readFileSync(file, 'utf8')) as BenchRun;
  const out = writeReport(run, values.out ? path.resolve(values.out) : undefined);
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
}

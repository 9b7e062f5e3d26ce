/**
 * The head of docs/benchmarks.md (issue #16): every figure that comes with a
 * yardstick measured in the same run, as a ratio. These carry over from one host
 * to another; the absolute rates and milliseconds in the sections below do not.
 */
import type { ScenarioResult } from './lib/scenario.js';
import { table } from './report-format.js';
import type { ClosedLoopData } from './scenario-closed-loop.js';

type Row = [scenario: string, ratio: string, value: string, yardstick: string];

const x = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? `${v}×` : '—');

function rowsOf(r: ScenarioResult): Row[] {
  const d = r.data as Record<string, unknown>;
  const ratios = (d.ratios ?? {}) as Record<string, number>;
  switch (r.id) {
    case 'a':
      return [
        [
          'a',
          'webhook → socket p99 embedded / floor HTTP p99',
          x(ratios.embeddedVsFloor),
          'ingest floor, SQLite, 200/s',
        ],
        [
          'a',
          'webhook → socket p99 two nodes / floor HTTP p99',
          x(ratios.clusterVsFloor),
          'ingest floor, PostgreSQL, 200/s',
        ],
        ['a', 'p99 two nodes / p99 embedded (target ≤ 3×)', x(ratios.clusterVsEmbedded), 'Newton embedded'],
      ];
    case 'b':
      return [
        [
          'b',
          'deliveries per CPU-s, one at a time: Newton / Socket.IO',
          x(ratios.singleVsSocketIo),
          'Socket.IO room emit',
        ],
        [
          'b',
          'deliveries per CPU-s, bursts of 10: Newton / Socket.IO',
          x(ratios.burstVsSocketIo),
          'Socket.IO room emit',
        ],
        ['b', 'deliveries per CPU-s, one at a time: Newton / ws', x(ratios.singleVsWs), 'plain ws loop'],
        ['b', 'deliveries per CPU-s, bursts of 10: Newton / ws', x(ratios.burstVsWs), 'plain ws loop'],
        [
          'b',
          'deliveries per CPU-s, one at a time: Newton / uWS',
          x(ratios.singleVsUws),
          'uWebSockets.js pub/sub',
        ],
        [
          'b',
          'deliveries per CPU-s, bursts of 10: Newton / uWS',
          x(ratios.burstVsUws),
          'uWebSockets.js pub/sub',
        ],
      ];
    case 'd':
      return [
        ['d', 'rate at p99 ≤ 50 ms, embedded / floor', x(ratios.embeddedVsFloor), 'ingest floor, SQLite'],
        [
          'd',
          'rate at p99 ≤ 50 ms, PostgreSQL / floor',
          x(ratios.postgresVsFloor),
          'ingest floor, PostgreSQL',
        ],
        ['d', 'rate at p99 ≤ 50 ms, PostgreSQL / embedded', x(ratios.postgresVsEmbedded), 'Newton embedded'],
      ];
    case 'h': {
      const h = d as unknown as ClosedLoopData;
      const [e, p] = h.pairs;
      return [
        ['h', 'CPU per webhook, embedded / floor (target ≤ 1.5×)', x(e?.cpuRatio), 'ingest floor, SQLite'],
        ['h', 'closed-loop rate, embedded / floor', x(e?.rateRatio), 'ingest floor, SQLite'],
        ['h', 'CPU per webhook, PostgreSQL / floor', x(p?.cpuRatio), 'ingest floor, PostgreSQL'],
        [
          'h',
          'closed-loop rate, PostgreSQL one node / embedded (target ≥ 0.5×)',
          x(h.postgresVsEmbedded),
          'Newton embedded',
        ],
      ];
    }
    case 'g': {
      const s = (d.summaries ?? {}) as Record<string, { p50: number }>;
      const c = s.compiled?.p50;
      const y = s.yardstick?.p50;
      return [
        [
          'g',
          '`newton token` wall time / `node -e 0`',
          x(c && y ? Math.round((c / y) * 100) / 100 : undefined),
          '`node -e 0`',
        ],
      ];
    }
    default:
      return [];
  }
}

/** The "Ratios" section, or '' when no scenario of the run has one. */
export function ratiosSection(results: ScenarioResult[]): string {
  const rows = results
    .filter((r) => !r.error)
    .flatMap(rowsOf)
    .filter((row) => row[2] !== '—');
  if (rows.length === 0) return '';
  return `## Ratios to yardsticks measured in the same run

These are the figures to plan with: each divides a Newton figure by a yardstick
measured in the same invocation, on the same machine, minutes apart, so a
slower or busier host moves both. The absolute figures further down (rates,
milliseconds, CPU seconds, bytes) are host-dependent: on another machine of the
same kind they have moved by 2× and more.

${table(['scenario', 'ratio', 'value', 'yardstick'], rows)}`;
}

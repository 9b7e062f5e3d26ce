/**
 * The soak scenario's verdict (bench/scenario-soak.ts): flat or growing, from the
 * least-squares slopes of RSS and of the heap's low-water mark over the second half.
 */
import { type Target, target } from './lib/scenario.js';
import { fmt } from './lib/stats.js';
import type { SoakModeResult } from './soak-result.js';

/**
 * MiB per minute: at 200 webhooks/s that is ~44 bytes kept per webhook (or per
 * 100 deliveries) — far less than any object a webhook or a frame leaves behind —
 * while the slope's error over 15 one-minute samples with a few MiB of noise is
 * ~0.1–0.2 MiB/min. 0.5 MiB/min would be 720 MiB a day.
 */
export const SOAK_SLOPE_LIMIT = 0.5;
/** Second halves shorter than this (quick runs) are reported, not judged. */
const MIN_JUDGED_MINUTES = 5;
/** A second half whose webhook → socket p50 passed this had a growing backlog. */
const BACKLOG_P50_MS = 1000;

/** Why a mode's slopes are no verdict (too short; a backlog holds memory), or undefined. */
export function notJudged(r: SoakModeResult): string | undefined {
  if (r.secondHalf[1] - r.secondHalf[0] < MIN_JUDGED_MINUTES) return 'too short to judge';
  const half = r.samples.slice(Math.floor(r.samples.length / 2));
  if (half.some((s) => s.latency.p50 > BACKLOG_P50_MS))
    return `not judged: overloaded, a backlog held memory (webhook → socket p50 over ${fmt(BACKLOG_P50_MS)} ms)`;
  return undefined;
}

/** The largest slope of any process, RSS or heap (MiB/min). */
export function worstSlope(r: SoakModeResult): number {
  return Math.max(...r.slopes.flatMap((s) => [s.rssMiBPerMin, s.heapLowMiBPerMin]));
}

/** "node1: RSS +0.12, heap +0.03 MiB/min; node2: …" */
export function slopesText(r: SoakModeResult): string {
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${fmt(v, 3)}`;
  return r.slopes
    .map(
      (s) =>
        `${r.slopes.length > 1 ? `${s.node}: ` : ''}RSS ${signed(s.rssMiBPerMin)}, heap ${signed(s.heapLowMiBPerMin)} MiB/min`,
    )
    .join('; ');
}

/** "flat", "growing", or why it is not judged. */
export function verdictWord(r: SoakModeResult): string {
  return notJudged(r) ?? (worstSlope(r) <= SOAK_SLOPE_LIMIT ? 'flat' : 'growing');
}

/** The target row of one mode. */
export function flatTarget(r: SoakModeResult, name: string): Target {
  const why = notJudged(r);
  const worst = worstSlope(r);
  const span = `minutes ${fmt(r.secondHalf[0], 1)}–${fmt(r.secondHalf[1], 1)}`;
  return target(
    `RSS and heap flat, ${name}: slope over the second half`,
    `≤ ${SOAK_SLOPE_LIMIT} MiB/min`,
    `${slopesText(r)} (${span}${why ? `; ${why}` : ''})`,
    why || !Number.isFinite(worst) ? null : worst <= SOAK_SLOPE_LIMIT,
  );
}

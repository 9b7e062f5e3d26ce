/** Formatting shared by the benchmark page (bench/report.ts) and its sections (bench/report-sections.ts). */
import { fmt } from './lib/stats.js';

export const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${fmt(v, 2)} ms`);
export const s2 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${fmt(v, 2)} s`);

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

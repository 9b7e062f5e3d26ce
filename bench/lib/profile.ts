/** Summarises V8 CPU profiles (`node --cpu-prof`) as the functions with the most self time. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  const i = url.indexOf('/node_modules/');
  if (i >= 0) return url.slice(i + '/node_modules/'.length);
  const j = url.indexOf('/packages/');
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

/**
 * "12.3% name (file:line)" for the `top` functions by self time (share of
 * busy time, idle excluded) over every profile in `dir`. With `window`
 * (CLOCK_MONOTONIC ms, as `nowMs()`: V8 profile timestamps use the same
 * clock), only samples inside it count, so start-up and set-up are left out.
 */
export function summarizeProfiles(dir: string, top = 15, window?: [number, number]): string[] {
  if (!existsSync(dir)) return [];
  const self = new Map<string, number>();
  let total = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    let at = p.startTime / 1000;
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i] as number);
      const dt = p.timeDeltas[i] ?? 0;
      at += dt / 1000;
      if (window && (at < window[0] || at > window[1])) continue;
      if (!n || n.callFrame.functionName === '(idle)') continue;
      const fn = n.callFrame.functionName || '(anonymous)';
      const key =
        fn.startsWith('(') && !n.callFrame.url
          ? fn
          : `${fn} (${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1})`;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    }
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${((100 * v) / (total || 1)).toFixed(1)}% ${k}`);
}

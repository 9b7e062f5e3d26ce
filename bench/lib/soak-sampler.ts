/**
 * Per-interval readings of a Newton process for the soak scenario: RSS
 * (/proc/<pid>/status) and CPU (/proc/<pid>/stat) from outside; heap, event-loop
 * delay and GC from the preloaded probe (bench/lib/soak-probe.mjs, asked with
 * SIGUSR2: Newton's /metrics has no process metrics); open sockets and slow-consumer
 * closes from the node's /metrics. Also the least-squares slope the verdict uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuSecondsOf, rssBytesOf } from './proc.js';
import { ROOT, type ServerProcess } from './server.js';
import { round, sleep } from './stats.js';

/** Node flags that preload the probe (it writes to $BENCH_PROBE_FILE). */
export const SOAK_PROBE_ARGS = ['--import', path.join(ROOT, 'bench/lib/soak-probe.mjs')];

/** One probe line (see bench/lib/soak-probe.mjs). */
interface ProbeLine {
  seq: number;
  heapUsed: number;
  heapTotal: number;
  heapLow: number;
  heapHigh: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  loopUtilization: number;
  gcPauseMs: number;
  majorGcs: number;
}

/** One server process over one sample interval. */
export interface NodeSample {
  rssMiB: number;
  /** Of RSS: anonymous memory (heap, malloc — SQLite's page cache too) and mapped files. */
  rssAnonMiB: number;
  rssFileMiB: number;
  heapUsedMiB: number;
  /** Least heap used seen in the interval (1 s timer and right after each major GC). */
  heapLowMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  /** Event-loop delay beyond the probe's 10 ms timer, over the interval only. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Share of the interval the event loop was busy (0…1). */
  loopUtilization: number;
  gcPauseMs: number;
  majorGcs: number;
  cpuSeconds: number;
  /** Open sockets (newton_sockets, summed over tenants). */
  sockets: number;
  /** newton_slow_consumer_closes_total so far. */
  slowConsumerCloses: number;
  /** Webhooks the node accepted in the interval (newton_webhooks_total, outcome accepted). */
  webhooksAccepted: number;
}

const MiB = 2 ** 20;

/** RssAnon and RssFile of a process in bytes (/proc/<pid>/status); NaN when unreadable. */
function rssParts(pid: number): { anon: number; file: number } {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { anon: Number.NaN, file: Number.NaN };
  }
}

/** Sums the samples of `metric` (those whose labels include `label`, if given) in a Prometheus text exposition. */
export function metricSum(text: string, metric: string, label?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const rest = line.slice(metric.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (label && !rest.includes(label)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** Reads one Newton process, interval after interval. */
export class NodeSampler {
  private cpu: number;
  private lines = 0;
  private accepted0 = 0;
  private accepted = 0;

  constructor(
    readonly server: ServerProcess,
    private readonly probeFile: string,
  ) {
    this.cpu = cpuSecondsOf(server.pid);
  }

  /** Starts the first interval: the probe forgets what it saw so far (warm-up). */
  async reset(): Promise<void> {
    await this.probe();
    this.cpu = cpuSecondsOf(this.server.pid);
    this.accepted0 = await this.acceptedTotal();
    this.accepted = this.accepted0;
  }

  /** Webhooks the node accepted since `reset()`, by its own count. */
  async acceptedSinceReset(): Promise<number> {
    return (await this.acceptedTotal()) - this.accepted0;
  }

  private async acceptedTotal(): Promise<number> {
    return metricSum(await this.metrics(), 'newton_webhooks_total', 'outcome="accepted"');
  }

  private async metrics(): Promise<string> {
    return (await fetch(`${this.server.url}/metrics`)).text();
  }

  /** Ends the current interval and starts the next one. */
  async sample(): Promise<NodeSample> {
    const p = await this.probe();
    const cpu = cpuSecondsOf(this.server.pid);
    const cpuSeconds = cpu - this.cpu;
    this.cpu = cpu;
    const rss = rssBytesOf(this.server.pid);
    const parts = rssParts(this.server.pid);
    const text = await this.metrics();
    const accepted = metricSum(text, 'newton_webhooks_total', 'outcome="accepted"');
    const webhooksAccepted = accepted - this.accepted;
    this.accepted = accepted;
    return {
      rssMiB: round(rss / MiB, 1),
      rssAnonMiB: round(parts.anon / MiB, 1),
      rssFileMiB: round(parts.file / MiB, 1),
      heapUsedMiB: round(p.heapUsed / MiB, 1),
      heapLowMiB: round(p.heapLow / MiB, 1),
      heapTotalMiB: round(p.heapTotal / MiB, 1),
      externalMiB: round((p.external + p.arrayBuffers) / MiB, 1),
      loopDelayP50Ms: round(p.loopDelayP50Ms),
      loopDelayP99Ms: round(p.loopDelayP99Ms),
      loopDelayMaxMs: round(p.loopDelayMaxMs),
      loopUtilization: round(p.loopUtilization, 3),
      gcPauseMs: round(p.gcPauseMs, 1),
      majorGcs: p.majorGcs,
      cpuSeconds: round(cpuSeconds),
      sockets: metricSum(text, 'newton_sockets'),
      slowConsumerCloses: metricSum(text, 'newton_slow_consumer_closes_total'),
      webhooksAccepted,
    };
  }

  /** Signals the probe and waits (up to 5 s) for its next line. */
  private async probe(): Promise<ProbeLine> {
    process.kill(this.server.pid, 'SIGUSR2');
    const until = Date.now() + 5000;
    for (;;) {
      const lines = existsSync(this.probeFile)
        ? readFileSync(this.probeFile, 'utf8').split('\n').filter(Boolean)
        : [];
      if (lines.length > this.lines) {
        this.lines = lines.length;
        return JSON.parse(lines[lines.length - 1] as string) as ProbeLine;
      }
      if (Date.now() >= until) throw new Error(`${this.server.name}: no answer from the soak probe`);
      await sleep(20);
    }
  }
}

/** Least-squares slope of `ys` over `xs` (per unit of x); NaN with fewer than 2 points. */
export function slope(xs: number[], ys: number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] as number;
    sy += ys[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  return den > 0 ? num / den : Number.NaN;
}

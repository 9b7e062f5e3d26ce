/**
 * seq — issue #2's sequential webhook → socket latency: runs bench/latency.ts
 * (its own process; it starts the server as another one) with --json.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { type BenchOptions, log, type ScenarioResult } from './lib/scenario.js';
import { ROOT } from './lib/server.js';
import { nowMs, round } from './lib/stats.js';

export interface SeqData {
  messages: number;
  sockets: number;
  deliveries: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  last_socket_p50_ms: number;
  last_socket_p99_ms: number;
  wall_s: number;
  server_cpu_s: number;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const messages = o.messages ?? (o.quick ? 200 : 1000);
  const sockets = o.sockets ?? 100;
  log(`(seq) ${messages} messages one after another, ${sockets} sockets`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/latency.ts'),
      '--json',
      '--messages',
      String(messages),
      '--sockets',
      String(sockets),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const line = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('{'))
    throw new Error(`bench/latency.ts exited ${code}: ${out.slice(-2000)}`);
  const d = JSON.parse(line) as SeqData;
  return {
    id: 'seq',
    title: 'Webhook → socket latency, sequential, embedded (issue #2)',
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: d.server_cpu_s,
    params: { messages, sockets },
    // The latency targets are for scenario a (under load); this one is the reference.
    targets: [],
    data: d as unknown as Record<string, unknown>,
    notes: [],
  };
}

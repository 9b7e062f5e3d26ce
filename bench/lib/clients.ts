/**
 * Load-generator processes (bench/lib/client-worker.ts) and the RPC to drive
 * them. Each worker is its own Node process, separate from the server under
 * test, with its open-files limit raised.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Mode, SocketKind } from './client-sockets.js';
import { cpuSecondsOf } from './proc.js';
import { ROOT, withFileLimit } from './server.js';

const WORKER = path.join(ROOT, 'bench/lib/client-worker.ts');

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  event?: string;
  key?: number;
}

export class ClientWorker {
  private nextId = 1;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(e: Reply) => void>();
  private exited = false;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m: Reply) => {
      if (m.id !== undefined) {
        const c = this.calls.get(m.id);
        this.calls.delete(m.id);
        if (m.ok) c?.resolve(m.result);
        else c?.reject(new Error(`${name}: ${m.error}`));
      } else for (const l of this.listeners) l(m);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const c of this.calls.values()) c.reject(new Error(`${name} exited (${code ?? signal})`));
      this.calls.clear();
    });
  }

  static spawn(name: string): Promise<ClientWorker> {
    // BENCH_CLIENT_PROFILE=<dir>: the load generators run under --cpu-prof too (to see what they cost).
    const prof = process.env.BENCH_CLIENT_PROFILE;
    const [cmd, args] = withFileLimit([
      process.execPath,
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
      '--import',
      'tsx',
      WORKER,
    ]);
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const w = new ClientWorker(name, child);
    return new Promise((resolve, reject) => {
      const onReady = (e: Reply) => {
        if (e.event !== 'ready') return;
        w.listeners.delete(onReady);
        resolve(w);
      };
      w.listeners.add(onReady);
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  cpuSeconds(): number {
    return cpuSecondsOf(this.pid);
  }

  call<T>(cmd: string, args: unknown = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args });
    });
  }

  /** Events the worker pushes (`{event: 'done', key}` in fan-out mode). */
  onEvent(fn: (e: { event: string; key?: number }) => void): () => void {
    const l = (e: Reply) => fn(e as { event: string; key?: number });
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  connect(kind: SocketKind, urls: string[], concurrency = 100): Promise<ConnectResult> {
    return this.call('connect', { kind, urls, concurrency });
  }

  setMode(mode: Mode): Promise<{ sockets: number }> {
    return this.call('mode', { mode });
  }

  /** Counters and latencies (of webhooks sent at or after `from`); resets the latencies. */
  collect(from?: number): Promise<Collected> {
    return this.call('collect', { from });
  }

  closeAll(forget = true): Promise<{ closed: number }> {
    return this.call('closeAll', { forget });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.disconnect?.();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

export interface ConnectResult {
  connected: number;
  failed: number;
  retries: number;
}

export interface Collected {
  latencies: Float64Array;
  /** When each webhook of `latencies` was sent (same order). */
  sent: Float64Array;
  deliveries: number;
  gaps: number;
  dupes: number;
  errors: number;
  resyncs: number;
  unexpectedCloses: number;
  firstFrameBytes: number;
}

export interface LoadResult {
  sent: number;
  answered: number;
  accepted: number;
  errors: number;
  timedOut: number;
  statuses: Record<string, number>;
  latency: Float64Array;
  service: Float64Array;
  lag: Float64Array;
  sendSpanMs: number;
  answerSpanMs: number;
}

export interface StormResult {
  times: Float64Array;
  incomplete: number;
  retries: number;
  /** Failed connects by reason. */
  failures: Record<string, number>;
  startSkewMs: number;
  openLoopMs: number;
  gaps: number;
  dupes: number;
  resyncs: number;
  errors: number;
}

/** A group of workers started together. */
export class WorkerPool {
  private constructor(readonly workers: ClientWorker[]) {}

  static async start(n: number, prefix: string): Promise<WorkerPool> {
    const workers = await Promise.all(
      Array.from({ length: n }, (_, i) => ClientWorker.spawn(`${prefix}-${i + 1}`)),
    );
    return new WorkerPool(workers);
  }

  /** Splits `urls` round-robin over the workers and connects them all. */
  async connect(kind: SocketKind, urls: string[], concurrency = 100): Promise<ConnectResult> {
    const parts = this.workers.map((_, w) => urls.filter((_u, i) => i % this.workers.length === w));
    const rs = await Promise.all(this.workers.map((w, i) => w.connect(kind, parts[i] ?? [], concurrency)));
    return {
      connected: rs.reduce((s, r) => s + r.connected, 0),
      failed: rs.reduce((s, r) => s + r.failed, 0),
      retries: rs.reduce((s, r) => s + r.retries, 0),
    };
  }

  async setMode(mode: Mode): Promise<number> {
    const rs = await Promise.all(this.workers.map((w) => w.setMode(mode)));
    return rs.reduce((s, r) => s + r.sockets, 0);
  }

  async collect(from?: number): Promise<Collected[]> {
    return Promise.all(this.workers.map((w) => w.collect(from)));
  }

  /** Waits (up to `timeoutMs`) until `expected` latencies of webhooks sent at or after `from` arrived. */
  async awaitLatencies(from: number, expected: number, timeoutMs: number): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const n = (await Promise.all(this.workers.map((w) => w.call<number>('latencyCount', { from })))).reduce(
        (s, x) => s + x,
        0,
      );
      if (n >= expected || Date.now() >= until) return n;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async closeAll(forget = true): Promise<number> {
    const rs = await Promise.all(this.workers.map((w) => w.closeAll(forget)));
    return rs.reduce((s, r) => s + r.closed, 0);
  }

  cpuSeconds(): number {
    return this.workers.reduce((s, w) => s + w.cpuSeconds(), 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

/** Sums the counters of several `collect()` answers. */
export function sumCollected(cs: Collected[]): Omit<Collected, 'latencies' | 'sent' | 'firstFrameBytes'> {
  const z = { deliveries: 0, gaps: 0, dupes: 0, errors: 0, resyncs: 0, unexpectedCloses: 0 };
  for (const c of cs) {
    z.deliveries += c.deliveries;
    z.gaps += c.gaps;
    z.dupes += c.dupes;
    z.errors += c.errors;
    z.resyncs += c.resyncs;
    z.unexpectedCloses += c.unexpectedCloses;
  }
  return z;
}

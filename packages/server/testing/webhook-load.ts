/**
 * A paced stream of small Evolution text webhooks and what it measures: each
 * one's latency from POST to its `new_message` on a socket, and how long the
 * event loop (shared by the node and this client) was held. For the webhook
 * body tests (for tests only).
 */
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { upsertBody } from './evolution-fixtures.js';
import type { TestNewton } from './harness.js';

/** The `p`th percentile of ascending `sorted`. */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/**
 * POSTs JSON bytes and reads the answer away; the status. Bytes, not a string:
 * fetch would encode a string on the event loop the node shares with the test.
 */
export async function postBytes(t: TestNewton, path: string, raw: Buffer): Promise<number> {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw,
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * POSTs a JSON file from another process, as a provider would: a body of tens
 * of MiB sent by this process's fetch costs this event loop (the node's too)
 * tens of ms of copying that a real provider never adds. The process starts
 * and reads the file first (`armPost`), and posts when told (`fire`): a
 * provider is already running when it posts, so its start is not the node's
 * time either.
 */
export interface ArmedPost {
  /** Posts now; the answer's status and JSON body. */
  fire(): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Ends the process if it was never fired. */
  close(): void;
}

export async function armPost(url: string, file: string): Promise<ArmedPost> {
  // node:http, one write of the whole body: fetch (undici) spent ~0.5 s of CPU sending 21 MiB,
  // on a core the node under test shares (the provider posts from another host).
  const script = `const [url, file] = process.argv.slice(1);
const body = require('node:fs').readFileSync(file);
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  process.stdin.pause();
  const headers = { 'content-type': 'application/json', 'content-length': body.length };
  const req = require('node:http').request(url, { method: 'POST', headers }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () =>
      process.stdout.write(JSON.stringify({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks)) })));
  });
  req.end(body);
});`;
  const child = spawn(process.execPath, ['-e', script, url, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: string) => {
      out += chunk;
      if (!out.startsWith('ready\n')) return;
      out = out.slice('ready\n'.length);
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    exited.then((code) => reject(new Error(`the posting process exited (${code}) before it was ready`)));
  });
  return {
    fire: async () => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
      });
      child.stdin.end('go\n');
      const code = await exited;
      if (code !== 0) throw new Error(`the posting process exited with ${code}: ${out}`);
      return JSON.parse(out) as { status: number; body: Record<string, unknown> };
    },
    close: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

/** Absolute ms (performance.timeOrigin + now): comparable across threads. */
export const nowAbs = (): number => performance.timeOrigin + performance.now();

/** What one run of the stream measured. */
export interface LoadRun {
  /** Provider message ids in the order they were posted. */
  ids: string[];
  /** When each id was posted (nowAbs). */
  sentAt: Map<string, number>;
  /** HTTP statuses of the answers that were not 200 (0: no answer). */
  failed: number[];
  elapsedMs: number;
  /** Longest and 99th-percentile delay of the node's event loop during the run, ms. */
  loopMaxMs: number;
  loopP99Ms: number;
}

interface WorkerRun {
  ids: string[];
  sentAt: Record<string, number>;
  failed: number[];
}

/**
 * Posts small webhooks at `rate` a second from `customers` customers in turn
 * and times each one's `new_message` on a socket of the tenant. A customer's
 * next message waits for the answer to its previous one (as a chat's
 * messages follow each other), so each customer's order is defined. The
 * posting and the socket run on a worker thread (webhook-load-worker.mjs):
 * on the node's own event loop, the client's work (fetch, frame parsing)
 * was most of the delay measured.
 */
export class SmallWebhookLoad {
  /** When each provider message id's new_message reached the socket (nowAbs), as of the last `arrivals()`. */
  arrived = new Map<string, number>();
  /** Provider message ids in the order their new_message frames came (repeats included). */
  order: string[] = [];

  private constructor(
    private readonly worker: Worker,
    readonly opts: { rate: number; customers: number; prefix: string },
  ) {}

  static async start(
    t: Pick<TestNewton, 'url' | 'token'>,
    tenant: string,
    opts: { rate: number; customers: number; prefix: string },
  ): Promise<SmallWebhookLoad> {
    const token = await t.token(tenant);
    const template = JSON.stringify(upsertBody({ id: '__ID__', from: '__FROM__', text: '__TEXT__' }));
    const worker = new Worker(new URL('./webhook-load-worker.mjs', import.meta.url), {
      workerData: {
        url: t.url,
        wsUrl: `${t.url.replace(/^http/, 'ws')}/ws/conversations/${tenant}?token=${token}`,
        template,
        ...opts,
      },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready?: boolean; error?: string }) =>
        m.ready ? resolve() : reject(new Error(m.error)),
      );
      worker.once('error', reject);
    });
    return new SmallWebhookLoad(worker, opts);
  }

  /** The customer (0-based) a message id of this load came from. */
  customerOf(id: string): number {
    return Number(id.slice(this.opts.prefix.length)) % this.opts.customers;
  }

  /** Sends `cmd` and resolves with the worker's answer: its next message that has `key`. */
  private ask(cmd: string, key: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const on = (m: Record<string, unknown>) => {
        if (!(key in m)) return;
        this.worker.off('message', on);
        resolve(m);
      };
      this.worker.on('message', on);
      this.worker.postMessage({ cmd });
    });
  }

  /** Posts until `stop(elapsedMs)` says so (checked every few ms), then waits for every answer. */
  async run(stop: (elapsedMs: number) => boolean): Promise<LoadRun> {
    // The delay of this thread's loop: the node's, which the load no longer shares.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const start = performance.now();
    const done = this.ask('run', 'run').then((m) => m.run as WorkerRun);
    // Polls the caller's condition (a duration, or the big body's answer) while the worker posts.
    const check = setInterval(() => {
      if (stop(performance.now() - start)) {
        clearInterval(check);
        this.worker.postMessage({ cmd: 'stop' });
      }
    }, 5);
    const r = await done;
    loop.disable();
    return {
      ids: r.ids,
      sentAt: new Map(Object.entries(r.sentAt)),
      failed: r.failed,
      elapsedMs: performance.now() - start,
      loopMaxMs: loop.max / 1e6,
      loopP99Ms: loop.percentile(99) / 1e6,
    };
  }

  /** Reads what the socket has received so far into `arrived` and `order`. */
  async arrivals(): Promise<void> {
    const m = await this.ask('arrivals', 'arrivals');
    this.order = m.order as string[];
    this.arrived = new Map(Object.entries(m.arrivals as Record<string, number>));
  }

  /** Webhook → socket latencies (ms, ascending) of the ids posted between `from` and `to` (nowAbs). */
  latencies(run: LoadRun, from = 0, to = Number.POSITIVE_INFINITY): number[] {
    return run.ids
      .filter((id) => {
        const at = run.sentAt.get(id) as number;
        return at >= from && at <= to && this.arrived.has(id);
      })
      .map((id) => (this.arrived.get(id) as number) - (run.sentAt.get(id) as number))
      .sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** `n=… p50=… p99=… max=…` of ascending latencies. */
export function describeLatencies(xs: number[]): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return `n=${xs.length} p50=${ms(percentile(xs, 50))} p99=${ms(percentile(xs, 99))} max=${ms(xs.at(-1) ?? Number.NaN)}`;
}

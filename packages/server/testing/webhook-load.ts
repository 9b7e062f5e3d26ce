/**
 * A paced stream of small Evolution text webhooks and what it measures: each
 * one's latency from POST to its `new_message` on a socket, and how long the
 * event loop (shared by the node and this client) was held. For the webhook
 * body tests (for tests only).
 */
import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MessagePayload } from '@newton/protocol';
import { upsertBody } from './evolution-fixtures.js';
import type { TestNewton, TestSocket } from './harness.js';

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
 * tens of ms of copying that a real provider never adds.
 */
export function postFileFromChild(
  url: string,
  file: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const script = `const [url, file] = process.argv.slice(1);
const body = require('node:fs').readFileSync(file);
fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.json() })));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, url, file], (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout) as { status: number; body: Record<string, unknown> });
    });
  });
}

/** What one run of the stream measured. */
export interface LoadRun {
  /** Provider message ids in the order they were posted. */
  ids: string[];
  /** performance.now() each id was posted at. */
  sentAt: Map<string, number>;
  /** HTTP statuses of the answers that were not 200. */
  failed: number[];
  elapsedMs: number;
  /** Longest and 99th-percentile event loop delay during the run, ms. */
  loopMaxMs: number;
  loopP99Ms: number;
}

/**
 * Posts small webhooks at `rate` a second from `customers` customers in turn;
 * a customer's next message waits for the answer to its previous one (as a
 * chat's messages follow each other), so each customer's order is defined.
 */
export class SmallWebhookLoad {
  /** performance.now() at which each provider message id's new_message reached the socket. */
  readonly arrived = new Map<string, number>();
  private count = 0;

  constructor(
    private readonly t: TestNewton,
    socket: TestSocket,
    readonly opts: { rate: number; customers: number; prefix: string },
  ) {
    socket.ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; message?: MessagePayload };
      const id = f.message?.provider_message_id;
      if (f.type === 'new_message' && id?.startsWith(opts.prefix)) this.arrived.set(id, performance.now());
    });
  }

  /** The customer (0-based) a message id of this load came from. */
  customerOf(id: string): number {
    return Number(id.slice(this.opts.prefix.length)) % this.opts.customers;
  }

  /** Posts until `stop(elapsedMs, posted)` says so, then waits for every answer. */
  async run(stop: (elapsedMs: number, posted: number) => boolean): Promise<LoadRun> {
    const { rate, customers, prefix } = this.opts;
    const ids: string[] = [];
    const sentAt = new Map<string, number>();
    const failed: number[] = [];
    const chains: Promise<void>[] = Array.from({ length: customers }, () => Promise.resolve());
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const start = performance.now();
    for (let i = 0; !stop(performance.now() - start, i); i++) {
      // Paces the load generator (not a wait for state): one webhook every 1000/rate ms.
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const n = this.count++;
      const id = `${prefix}${String(n).padStart(10, '0')}`;
      const from = `57300333${String(n % customers).padStart(4, '0')}`;
      const raw = Buffer.from(JSON.stringify(upsertBody({ id, from, text: `mensaje ${n}` })));
      ids.push(id);
      const c = n % customers;
      chains[c] = (chains[c] as Promise<void>).then(async () => {
        sentAt.set(id, performance.now());
        const status = await postBytes(this.t, '/webhooks/evolution', raw);
        if (status !== 200) failed.push(status);
      });
    }
    await Promise.all(chains);
    loop.disable();
    return {
      ids,
      sentAt,
      failed,
      elapsedMs: performance.now() - start,
      loopMaxMs: loop.max / 1e6,
      loopP99Ms: loop.percentile(99) / 1e6,
    };
  }

  /** Webhook → socket latencies (ms, ascending) of the ids posted between `from` and `to`. */
  latencies(run: LoadRun, from = 0, to = Number.POSITIVE_INFINITY): number[] {
    return run.ids
      .filter((id) => {
        const at = run.sentAt.get(id) as number;
        return at >= from && at <= to && this.arrived.has(id);
      })
      .map((id) => (this.arrived.get(id) as number) - (run.sentAt.get(id) as number))
      .sort((a, b) => a - b);
  }
}

/** `n=… p50=… p99=… max=…` of ascending latencies. */
export function describeLatencies(xs: number[]): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return `n=${xs.length} p50=${ms(percentile(xs, 50))} p99=${ms(percentile(xs, 99))} max=${ms(xs.at(-1) ?? Number.NaN)}`;
}

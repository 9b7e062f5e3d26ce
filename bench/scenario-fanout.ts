/**
 * (b) Fan-out to one tenant: 5,000 sockets of one tenant, events delivered to
 * all of them; deliveries per server CPU-second (utime + stime of the server
 * process, /proc) for Newton, a plain `ws` server with a naive broadcast loop
 * and a Socket.IO server with a room emit — same machine, same run, same
 * number of events and sockets, payloads of the same size (that of Newton's
 * `new_message` frame), clients in separate processes.
 *
 * - one at a time: one event, wait until every socket has it, the next;
 * - bursts: 10 events back to back (Newton: 10 webhooks posted concurrently;
 *   the others: 10 broadcasts in one tick), wait until every socket has all 10.
 *
 * Newton's events are produced by posting webhooks, so its CPU includes the
 * webhook handling and the durable commit; the competitors' trigger is a bare
 * HTTP request.
 */
import type { ClientWorker } from './lib/clients.js';
import { sumCollected, WorkerPool } from './lib/clients.js';
import {
  type BenchOptions,
  collectProfiles,
  log,
  measured,
  type ScenarioResult,
  startContender,
  stopServers,
  target,
} from './lib/scenario.js';
import type { ServerProcess } from './lib/server.js';
import { nowMs, round, sleep } from './lib/stats.js';
import { ensureUws } from './lib/uws.js';
import { phoneFor, upsertBody, WebhookPoster } from './lib/webhooks.js';

type ServerKind = 'newton' | 'ws' | 'sio' | 'uws';

export interface FanoutPhase {
  events: number;
  deliveries: number;
  serverCpuSeconds: number;
  wallSeconds: number;
  deliveriesPerCpuSecond: number;
  deliveriesPerSecond: number;
  /** CPU of the client processes over the phase (they share the machine's cores with the server). */
  clientCpuSeconds: number;
}

export interface FanoutServerResult {
  server: string;
  sockets: number;
  payloadBytes: number;
  single: FanoutPhase;
  burst: FanoutPhase;
  gaps: number;
  dupes: number;
  unexpectedCloses: number;
}

/** Counts `done` notifications per key; a key is complete when every worker reported it. */
class DoneTracker {
  private readonly counts = new Map<number, number>();
  private waiters: { keys: number[]; resolve: () => void }[] = [];
  private readonly off: (() => void)[];

  constructor(private readonly workers: ClientWorker[]) {
    this.off = workers.map((w) =>
      w.onEvent((e) => {
        if (e.event !== 'done' || e.key === undefined) return;
        this.counts.set(e.key, (this.counts.get(e.key) ?? 0) + 1);
        this.check();
      }),
    );
  }

  private complete(k: number): boolean {
    return (this.counts.get(k) ?? 0) >= this.workers.length;
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.keys.every((k) => this.complete(k))) return true;
      for (const k of w.keys) this.counts.delete(k);
      w.resolve();
      return false;
    });
  }

  wait(keys: number[], timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const missing = keys.filter((k) => !this.complete(k));
        reject(new Error(`events ${missing.join(',')} did not reach every socket within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({
        keys,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
      this.check();
    });
  }

  close(): void {
    for (const f of this.off) f();
  }
}

interface Trigger {
  /** Produces events; resolves with their keys (Newton: seqs; others: n). */
  fire(count: number): Promise<number[]>;
}

function newtonTrigger(url: string, instance: string, poster: WebhookPoster, prefix: string): Trigger {
  let i = 0;
  const phone = phoneFor(999, 1);
  return {
    async fire(count) {
      const posts = Array.from({ length: count }, () =>
        poster.accept(url, upsertBody(instance, phone, `${prefix}-${i++}`, `fan-out ${i}`)),
      );
      return (await Promise.all(posts)).flat();
    },
  };
}

function competitorTrigger(url: string, bytes: number, poster: WebhookPoster): Trigger {
  let n = 1;
  return {
    async fire(count) {
      const first = n;
      n += count;
      const r = await poster.postTo(`${url}/broadcast?n=${first}&count=${count}&bytes=${bytes}`, '');
      if (r.status !== 200) throw new Error(`broadcast answered ${r.status}: ${r.body}`);
      return Array.from({ length: count }, (_, k) => first + k);
    },
  };
}

async function phase(
  tag: string,
  server: ServerProcess,
  trigger: Trigger,
  tracker: DoneTracker,
  pool: WorkerPool,
  events: number,
  perStep: number,
  sockets: number,
): Promise<FanoutPhase> {
  const cpu0 = server.cpuSeconds();
  const clientCpu0 = pool.cpuSeconds();
  const t0 = nowMs();
  for (let done = 0; done < events; done += perStep) {
    const keys = await trigger.fire(Math.min(perStep, events - done));
    await tracker.wait(keys);
  }
  const wall = (nowMs() - t0) / 1000;
  const cpu = server.cpuSeconds() - cpu0;
  const clientCpu = pool.cpuSeconds() - clientCpu0;
  measured(tag, t0, nowMs());
  const deliveries = events * sockets;
  return {
    events,
    deliveries,
    serverCpuSeconds: round(cpu, 2),
    wallSeconds: round(wall, 2),
    deliveriesPerCpuSecond: Math.round(deliveries / cpu),
    deliveriesPerSecond: Math.round(deliveries / wall),
    clientCpuSeconds: round(clientCpu, 2),
  };
}

async function runServer(
  o: BenchOptions,
  kind: ServerKind,
  sockets: number,
  singleEvents: number,
  bursts: number,
  payloadBytes: number,
  warnings: string[],
): Promise<FanoutServerResult> {
  const { server, store } = await startContender(o, kind, 'b');
  const pool = await WorkerPool.start(4, `b-${kind}`);
  const poster = new WebhookPoster(16);
  const tracker = new DoneTracker(pool.workers);
  try {
    const wsBase = server.url.replace(/^http/, 'ws');
    let urls: string[];
    if (kind === 'newton' && store) {
      const solo = store.fixture.solo;
      urls = Array.from(
        { length: sockets },
        () => `${wsBase}/ws/conversations/${solo.tenant}?token=${solo.token}`,
      );
    } else if (kind === 'ws' || kind === 'uws') urls = Array.from({ length: sockets }, () => wsBase);
    else urls = Array.from({ length: sockets }, () => server.url);
    // uWS speaks plain WebSocket: the same clients as for `ws`.
    const c = await pool.connect(kind === 'uws' ? 'ws' : kind, urls, 100);
    if (c.failed > 0) throw new Error(`${kind}: ${c.failed} of ${sockets} sockets could not connect`);
    await pool.setMode('fanout');
    const trigger =
      kind === 'newton' && store
        ? newtonTrigger(server.url, store.fixture.solo.instance, poster, `b-${Date.now()}`)
        : competitorTrigger(server.url, payloadBytes, poster);
    // Warm-up (not measured): the first webhook also creates the lead.
    for (let i = 0; i < 5; i++) await tracker.wait(await trigger.fire(1));
    await tracker.wait(await trigger.fire(10));
    const frameBytes = Math.max(...(await pool.collect()).map((g) => g.firstFrameBytes));
    log(`(b) ${kind}: ${sockets} sockets, ${singleEvents} events one at a time`);
    const single = await phase(server.name, server, trigger, tracker, pool, singleEvents, 1, sockets);
    await sleep(300);
    log(`(b) ${kind}: ${bursts} bursts of 10`);
    const burst = await phase(server.name, server, trigger, tracker, pool, bursts * 10, 10, sockets);
    const got = sumCollected(await pool.collect());
    return {
      server:
        kind === 'newton'
          ? 'Newton (webhook → SQLite → sockets)'
          : kind === 'ws'
            ? 'plain ws, naive loop'
            : kind === 'uws'
              ? 'uWebSockets.js pub/sub (native ceiling)'
              : 'Socket.IO, room emit',
      sockets,
      payloadBytes: kind === 'sio' ? payloadBytes : frameBytes || payloadBytes,
      single,
      burst,
      gaps: got.gaps,
      dupes: got.dupes,
      unexpectedCloses: got.unexpectedCloses,
    };
  } finally {
    tracker.close();
    poster.close();
    await pool.stop();
    await stopServers([server], store, warnings);
  }
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const sockets = o.quick ? 1000 : 5000;
  const single = o.quick ? 40 : 200;
  const bursts = o.quick ? 4 : 20;
  const warnings: string[] = [];
  const newton = await runServer(o, 'newton', sockets, single, bursts, 0, warnings);
  const bytes = newton.payloadBytes;
  const ws = await runServer(o, 'ws', sockets, single, bursts, bytes, warnings);
  const sio = await runServer(o, 'sio', sockets, single, bursts, bytes, warnings);
  const uwsMissing = await ensureUws();
  const uws = uwsMissing ? undefined : await runServer(o, 'uws', sockets, single, bursts, bytes, warnings);
  const ratio = (a: FanoutPhase, b: FanoutPhase) =>
    round(a.deliveriesPerCpuSecond / b.deliveriesPerCpuSecond, 2);
  const ratios = {
    singleVsWs: ratio(newton.single, ws.single),
    singleVsSocketIo: ratio(newton.single, sio.single),
    burstVsWs: ratio(newton.burst, ws.burst),
    burstVsSocketIo: ratio(newton.burst, sio.burst),
    ...(uws
      ? { singleVsUws: ratio(newton.single, uws.single), burstVsUws: ratio(newton.burst, uws.burst) }
      : {}),
  };
  const notes: string[] = [...warnings];
  if (uwsMissing) notes.push(`uWebSockets.js was left out: ${uwsMissing}`);
  if (newton.gaps || newton.dupes || newton.unexpectedCloses)
    notes.push(
      `Newton: ${newton.gaps} seq gaps, ${newton.dupes} repeats, ${newton.unexpectedCloses} sockets closed by the server`,
    );
  for (const r of [ws, sio, ...(uws ? [uws] : [])])
    if (r.unexpectedCloses) notes.push(`${r.server}: ${r.unexpectedCloses} sockets closed by the server`);
  const cpu = [newton, ws, sio, ...(uws ? [uws] : [])].reduce(
    (s, r) => s + r.single.serverCpuSeconds + r.burst.serverCpuSeconds,
    0,
  );
  return {
    id: 'b',
    title: `Fan-out to one tenant with ${sockets.toLocaleString('en-US')} sockets`,
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: round(cpu),
    params: { sockets, singleEvents: single, bursts, burstSize: 10, payloadBytes: bytes, clientProcesses: 4 },
    targets: [
      target(
        'one at a time, Newton / Socket.IO',
        '≥ 1.3×',
        `${ratios.singleVsSocketIo}×`,
        ratios.singleVsSocketIo >= 1.3,
      ),
      target(
        'bursts of 10, Newton / Socket.IO',
        '≥ 5×',
        `${ratios.burstVsSocketIo}×`,
        ratios.burstVsSocketIo >= 5,
      ),
    ],
    data: { newton, ws, sio, ...(uws ? { uws } : {}), ratios },
    notes,
    ...(o.profile ? { profiles: collectProfiles(o, ['b-newton']) ?? {} } : {}),
  };
}

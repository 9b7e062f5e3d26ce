/**
 * (e) Reconnect storm: 5,000 sockets of one tenant (embedded node) are
 * connected and caught up; all are closed, 100 messages are posted while they
 * are away, then every socket reopens at the same moment (a shared monotonic
 * instant across the client processes) with `since=<its last seq>`. Measured:
 * the time from that instant until every socket has received the 100 missed
 * events and `resumed`. A socket whose connection fails retries after
 * 100–300 ms (counted).
 */
import { type StormResult, WorkerPool } from './lib/clients.js';
import { listenDrops } from './lib/machine.js';
import {
  type BenchOptions,
  collectProfiles,
  log,
  measured,
  type ScenarioResult,
  startTaggedNewton,
  stopServers,
  target,
} from './lib/scenario.js';
import { scratchStore } from './lib/scratch-store.js';
import { concat, nowMs, round, type Summary, sleep, summarize } from './lib/stats.js';
import { phoneFor, upsertBody, WebhookPoster } from './lib/webhooks.js';

export interface StormData {
  sockets: number;
  missedEvents: number;
  /** ms from the reconnect instant until each socket was complete. */
  perSocket: Summary;
  allResumedMs: number;
  incomplete: number;
  retries: number;
  /** Failed connects by reason. */
  failures: Record<string, number>;
  /** Kernel counters during the storm: connections dropped because the accept queue was full. */
  listenOverflows: number;
  listenDrops: number;
  gaps: number;
  dupes: number;
  resyncs: number;
  errors: number;
  /** Time the client processes needed to issue all their connects. */
  clientOpenLoopMs: number;
  serverCpuSeconds: number;
  /** CPU of the 4 client processes over the storm (they share the 2 cores with the server). */
  clientCpuSeconds: number;
  framesReplayed: number;
}

function mergeCounts(all: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of all) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const sockets = o.quick ? 1000 : 5000;
  const missed = 100;
  const store = await scratchStore('sqlite');
  const server = await startTaggedNewton(o, 'e-newton', store);
  const pool = await WorkerPool.start(4, 'e');
  const poster = new WebhookPoster(10);
  let data: StormData;
  const warnings: string[] = [];
  try {
    const solo = store.fixture.solo;
    const url = `${server.url.replace(/^http/, 'ws')}/ws/conversations/${solo.tenant}?token=${solo.token}`;
    const phone = phoneFor(998, 1);
    let n = 0;
    const post = () => poster.accept(server.url, upsertBody(solo.instance, phone, `e-${n++}`, `storm ${n}`));
    const c = await pool.connect(
      'newton',
      Array.from({ length: sockets }, () => url),
      100,
    );
    if (c.failed > 0) throw new Error(`${c.failed} of ${sockets} sockets could not connect`);
    // Caught up: a few events, then every socket at the last seq.
    let last = 0;
    for (let i = 0; i < 3; i++) last = Math.max(last, ...(await post()));
    for (let i = 0; ; i++) {
      const pos = await Promise.all(pool.workers.map((w) => w.call<{ min: number }>('positions')));
      if (pos.every((p) => p.min >= last)) break;
      if (i > 200) throw new Error('sockets did not catch up');
      await sleep(50);
    }
    await pool.closeAll(false);
    await sleep(500);
    log(`(e) ${sockets} sockets closed; posting ${missed} messages`);
    for (let i = 0; i < missed; i += 10) {
      const seqs = await Promise.all(Array.from({ length: Math.min(10, missed - i) }, post));
      last = Math.max(last, ...seqs.flat());
    }
    await sleep(500);
    const at = nowMs() + 500;
    const cpu0 = server.cpuSeconds();
    const clientCpu0 = pool.cpuSeconds();
    const drops0 = listenDrops();
    log(`(e) all ${sockets} sockets reconnect with since=…`);
    const rs = await Promise.all(
      pool.workers.map((w) => w.call<StormResult>('storm', { at, target: last, timeoutMs: 60_000 })),
    );
    const cpu = server.cpuSeconds() - cpu0;
    const clientCpu = pool.cpuSeconds() - clientCpu0;
    const drops1 = listenDrops();
    measured('e-newton', at, nowMs());
    const times = concat(rs.map((r) => r.times));
    const incomplete = rs.reduce((s, r) => s + r.incomplete, 0);
    data = {
      sockets,
      missedEvents: missed,
      perSocket: summarize(times),
      allResumedMs: incomplete ? Number.POSITIVE_INFINITY : round(Math.max(...times)),
      incomplete,
      retries: rs.reduce((s, r) => s + r.retries, 0),
      failures: mergeCounts(rs.map((r) => r.failures)),
      listenOverflows: drops1.overflows - drops0.overflows,
      listenDrops: drops1.drops - drops0.drops,
      gaps: rs.reduce((s, r) => s + r.gaps, 0),
      dupes: rs.reduce((s, r) => s + r.dupes, 0),
      resyncs: rs.reduce((s, r) => s + r.resyncs, 0),
      errors: rs.reduce((s, r) => s + r.errors, 0),
      clientOpenLoopMs: round(Math.max(...rs.map((r) => r.openLoopMs + r.startSkewMs))),
      serverCpuSeconds: round(cpu),
      clientCpuSeconds: round(clientCpu),
      framesReplayed: sockets * missed,
    };
    log(`(e) every socket resumed after ${data.allResumedMs} ms (p50 ${data.perSocket.p50} ms)`);
    await pool.closeAll();
  } finally {
    poster.close();
    await pool.stop();
    await stopServers([server], store, warnings);
  }
  const notes: string[] = [...warnings];
  if (data.gaps || data.dupes || data.resyncs || data.errors)
    notes.push(
      `${data.gaps} seq gaps, ${data.dupes} repeats, ${data.resyncs} resync_required, ${data.errors} error frames during the storm`,
    );
  if (data.retries)
    notes.push(
      `${data.retries} reconnects failed and were retried: ${Object.entries(data.failures)
        .map(([k, v]) => `${v} × ${k}`)
        .join(', ')}`,
    );
  if (data.listenOverflows > 0)
    notes.push(
      `the kernel counted ${data.listenOverflows} accept-queue overflows (${data.listenDrops} SYNs dropped) during the storm: those clients only got in when their SYN was retransmitted (after 1, 3, 7, 15, 31 s)`,
    );
  const ok = data.incomplete === 0 && data.gaps === 0 && data.dupes === 0;
  return {
    id: 'e',
    title: `Reconnect storm: ${sockets.toLocaleString('en-US')} sockets resume with since= at once`,
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: data.serverCpuSeconds,
    params: { sockets, missedEvents: missed, clientProcesses: 4, store: 'SQLite (embedded)' },
    targets: [
      target(
        'every socket resumed (100 missed events + resumed)',
        '≤ 3 s',
        Number.isFinite(data.allResumedMs)
          ? `${round(data.allResumedMs / 1000, 2)} s`
          : `${data.incomplete} incomplete`,
        ok && data.allResumedMs <= 3000,
      ),
    ],
    data: data as unknown as Record<string, unknown>,
    notes,
    ...(o.profile ? { profiles: collectProfiles(o, ['e-newton']) ?? {} } : {}),
  };
}

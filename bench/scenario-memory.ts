/**
 * (c) Memory per idle socket: the server's RSS (VmRSS, /proc/<pid>/status)
 * before and after opening 10,000 sockets from several client processes,
 * divided by the number of sockets: as found, and after a full GC in both
 * readings (the servers run with --expose-gc and a SIGUSR2 handler from
 * bench/lib/gc-on-signal.mjs; the server code is unchanged), which leaves out
 * the garbage that happens to be on the heap at either moment. Newton's sockets are authenticated (JWT,
 * `connection_established` received) and spread over 100 tenants; the same
 * count of plain `ws` and Socket.IO sockets for comparison. Before the
 * baseline, 200 sockets are opened and closed so that lazily loaded code and
 * first-use allocations are not charged to the measured sockets.
 */
import { WorkerPool } from './lib/clients.js';
import {
  type BenchOptions,
  log,
  type ScenarioResult,
  startContender,
  stopServers,
  target,
} from './lib/scenario.js';
import { GC_ON_SIGNAL_ARGS, requestGc, type ServerProcess } from './lib/server.js';
import { nowMs, round, sleep } from './lib/stats.js';

type Kind = 'newton' | 'ws' | 'sio';

export interface MemoryResult {
  server: string;
  sockets: number;
  /** RSS as found (no forced GC). */
  rssBeforeMiB: number;
  rssAfterMiB: number;
  kibPerSocket: number;
  /** RSS after a forced full GC in both readings. */
  gcRssBeforeMiB: number;
  gcRssAfterMiB: number;
  gcKibPerSocket: number;
  connectSeconds: number;
  /** Server CPU to accept and authenticate the sockets. */
  serverCpuSeconds: number;
  serverCpuMsPer1000: number;
}

/** Median of a few RSS samples, after letting the server settle (and a full GC with `gc`). */
async function settledRss(server: ServerProcess, settleMs: number, gc = false): Promise<number> {
  if (gc) requestGc(server);
  await sleep(settleMs);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(server.rssBytes());
    await sleep(300);
  }
  samples.sort((a, b) => a - b);
  return samples[2] ?? Number.NaN;
}

async function measure(
  o: BenchOptions,
  kind: Kind,
  sockets: number,
  warnings: string[],
): Promise<MemoryResult> {
  const { server, store } = await startContender(o, kind, 'c', GC_ON_SIGNAL_ARGS);
  const pool = await WorkerPool.start(4, `c-${kind}`);
  try {
    const wsBase = server.url.replace(/^http/, 'ws');
    const urlFor = (i: number): string => {
      if (kind === 'ws') return wsBase;
      if (kind === 'sio') return server.url;
      const tenants = store?.fixture.tenants ?? [];
      const t = tenants[i % tenants.length];
      if (!t) throw new Error('no tenants');
      return `${wsBase}/ws/conversations/${t.tenant}?token=${t.token}`;
    };
    // Warm-up: load and compile the connection path, then close.
    const warm = await pool.connect(
      kind,
      Array.from({ length: 200 }, (_, i) => urlFor(i)),
      50,
    );
    if (warm.failed) throw new Error(`${kind}: warm-up sockets failed`);
    await pool.closeAll();
    const before = await settledRss(server, 2000);
    const gcBefore = await settledRss(server, 1000, true);
    const cpu0 = server.cpuSeconds();
    const t0 = nowMs();
    const c = await pool.connect(
      kind,
      Array.from({ length: sockets }, (_, i) => urlFor(i)),
      100,
    );
    const connectSeconds = (nowMs() - t0) / 1000;
    const cpu = server.cpuSeconds() - cpu0;
    if (c.failed > 0) throw new Error(`${kind}: ${c.failed} of ${sockets} sockets could not connect`);
    const after = await settledRss(server, 3000);
    const gcAfter = await settledRss(server, 1000, true);
    const mib = (v: number) => (v / 2 ** 20).toFixed(1);
    log(
      `(c) ${kind}: ${sockets} sockets, RSS ${mib(before)} → ${mib(after)} MiB, after GC ${mib(gcBefore)} → ${mib(gcAfter)} MiB`,
    );
    await pool.closeAll();
    const per = (after - before) / sockets;
    const gcPer = (gcAfter - gcBefore) / sockets;
    return {
      server:
        kind === 'newton' ? 'Newton (authenticated, 100 tenants)' : kind === 'ws' ? 'plain ws' : 'Socket.IO',
      sockets,
      rssBeforeMiB: round(before / 2 ** 20, 1),
      rssAfterMiB: round(after / 2 ** 20, 1),
      kibPerSocket: round(per / 1024, 2),
      gcRssBeforeMiB: round(gcBefore / 2 ** 20, 1),
      gcRssAfterMiB: round(gcAfter / 2 ** 20, 1),
      gcKibPerSocket: round(gcPer / 1024, 2),
      connectSeconds: round(connectSeconds, 2),
      serverCpuSeconds: round(cpu, 2),
      serverCpuMsPer1000: round((cpu * 1000 * 1000) / sockets, 1),
    };
  } finally {
    await pool.stop();
    await stopServers([server], store, warnings);
  }
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const sockets = o.quick ? 2000 : 10_000;
  const warnings: string[] = [];
  const newton = await measure(o, 'newton', sockets, warnings);
  const ws = await measure(o, 'ws', sockets, warnings);
  const sio = await measure(o, 'sio', sockets, warnings);
  return {
    id: 'c',
    title: `Memory per idle socket at ${sockets.toLocaleString('en-US')} sockets`,
    startedAt,
    wallSeconds: round((nowMs() - started) / 1000),
    serverCpuSeconds: round(newton.serverCpuSeconds + ws.serverCpuSeconds + sio.serverCpuSeconds),
    params: { sockets, clientProcesses: 4 },
    targets: [
      target(
        'RSS per idle socket, Newton (after a full GC)',
        '≤ 8 KiB',
        `${newton.gcKibPerSocket} KiB`,
        newton.gcKibPerSocket <= 8,
      ),
    ],
    data: { newton, ws, sio },
    notes: warnings,
  };
}

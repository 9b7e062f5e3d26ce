/** The machine the figures come from. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  date: string;
}

export function machine(): Machine {
  let os = process.platform as string;
  if (existsSync('/etc/os-release')) {
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m?.[1]) os = m[1];
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os,
    kernel: release(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

function cpuJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((s, x) => s + x, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Cores busy (machine-wide, every process) on average over `ms`. */
export async function busyCores(ms = 1000): Promise<number> {
  const a = cpuJiffies();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuJiffies();
  const total = b.total - a.total;
  return total > 0 ? ((b.busy - a.busy) / total) * cpus().length : 0;
}

/**
 * Waits (up to `maxWaitMs`) until other processes leave the machine mostly
 * idle (< `threshold` cores busy over a second); returns the last reading.
 */
export async function waitForQuiet(
  maxWaitMs: number,
  threshold = 0.3,
  onWait?: (cores: number) => void,
): Promise<number> {
  const until = Date.now() + maxWaitMs;
  let cores = await busyCores(1000);
  while (cores >= threshold && Date.now() < until) {
    onWait?.(cores);
    cores = await busyCores(2000);
  }
  return cores;
}

/** The kernel's TcpExt ListenOverflows / ListenDrops counters (machine-wide, /proc/net/netstat). */
export function listenDrops(): { overflows: number; drops: number } {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const head = (lines[i] ?? '').split(/\s+/);
      const vals = (lines[i + 1] ?? '').split(/\s+/);
      if (head[0] !== 'TcpExt:') continue;
      const get = (k: string) => Number(vals[head.indexOf(k)] ?? Number.NaN);
      return { overflows: get('ListenOverflows'), drops: get('ListenDrops') };
    }
  } catch {
    /* not Linux */
  }
  return { overflows: Number.NaN, drops: Number.NaN };
}

const CLK_TCK = 100;

function statTimes(pid: string): { self: number; children: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return {
      self: (Number(f[11]) + Number(f[12])) / CLK_TCK,
      children: (Number(f[13]) + Number(f[14])) / CLK_TCK,
    };
  } catch {
    return { self: 0, children: 0 };
  }
}

export interface CpuSnapshot {
  at: number;
  /** CPU seconds of the whole machine. */
  machine: number;
  /** This process and every child it has reaped (servers and load generators that have exited). */
  own: number;
  /** PostgreSQL (postmaster and its backends) and Redis. */
  services: number;
}

/** CPU seconds used so far by PostgreSQL (postmaster and backends, exited ones included) and Redis. */
export function servicesCpuSeconds(): number {
  return cpuSnapshot().services;
}

/** CPU accounting to tell the bench's own work from other users of the machine. */
export function cpuSnapshot(): CpuSnapshot {
  const j = cpuJiffies();
  const self = statTimes('self');
  let services = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres' || comm === 'redis-server') {
      const t = statTimes(pid);
      services += t.self + t.children;
    }
  }
  return { at: Date.now(), machine: j.busy / CLK_TCK, own: self.self + self.children, services };
}

/**
 * Cores other processes (not this run, its children, PostgreSQL or Redis)
 * kept busy on average between two snapshots taken after the children exited.
 */
export function foreignCores(a: CpuSnapshot, b: CpuSnapshot): number {
  const wall = (b.at - a.at) / 1000;
  if (wall <= 0) return 0;
  const other = b.machine - a.machine - (b.own - a.own) - (b.services - a.services);
  return Math.max(0, other / wall);
}

/**
 * Servers under test as separate processes: Newton nodes (`newton start`) and
 * the competitor servers, their environment, and stopping them. Their CPU and
 * RSS come from /proc (bench/lib/proc.ts); scratch stores are in
 * bench/lib/scratch-store.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { NODE_FLAGS } from '@newton/server/testing/node-flags';
import { cpuSecondsOf, rssBytesOf } from './proc.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NEWTON_BIN = path.join(ROOT, 'packages/server/bin/newton.js');
export const BENCH_JWT_SECRET = 'newton-bench-secret-0123456789abcdef';
/** Node flags that make a server run a full GC on SIGUSR2 (see `requestGc`). */
export const GC_ON_SIGNAL_ARGS = ['--expose-gc', '--import', path.join(ROOT, 'bench/lib/gc-on-signal.mjs')];

/** Asks a server started with GC_ON_SIGNAL_ARGS for a full garbage collection. */
export function requestGc(server: { pid: number }): void {
  process.kill(server.pid, 'SIGUSR2');
}
export const REDIS_URL = process.env.NEWTON_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Command line that raises the open-files limit to the hard limit (the
 * container may not allow more) and then execs `argv`, keeping the pid.
 */
export function withFileLimit(argv: string[]): [string, string[]] {
  const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';
  return ['bash', ['-c', script, ...argv]];
}

export interface ServerProcess {
  name: string;
  pid: number;
  /** `http://127.0.0.1:port` */
  url: string;
  child: ChildProcess;
  cpuSeconds(): number;
  rssBytes(): number;
  /** The last lines the process wrote to stderr (for error messages). */
  stderrTail(): string;
  /** Log records at warn level or above (pino JSON) before stop(), by message, with counts. */
  warnings(): Record<string, number>;
  /** SIGTERM, wait for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<ServerProcess>();

/** Notes for a report: what the servers logged at warn level or above. */
export function warningNotes(servers: ServerProcess[]): string[] {
  const notes: string[] = [];
  for (const s of servers) {
    const w = Object.entries(s.warnings());
    if (w.length) notes.push(`${s.name} logged ${w.map(([msg, n]) => `${n} × "${msg}"`).join(', ')}`);
  }
  return notes;
}

/** Kills every server this process started (used on errors and Ctrl-C). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop(5000)));
}

/**
 * Spawns a server and waits until it prints `listening on http://…` on
 * stderr. Stdout and stderr keep being drained (a full pipe would stall the
 * server), log records at warn level or above are counted, and everything
 * is echoed when `echo` is set.
 */
export function spawnServer(opts: {
  name: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  echo?: boolean;
  startTimeoutMs?: number;
}): Promise<ServerProcess> {
  const [cmd, args] = withFileLimit(opts.argv);
  const child = spawn(cmd, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let tail = '';
  const partial = { out: '', err: '' };
  const warnings: Record<string, number> = {};
  let beforeStop: Record<string, number> | undefined;
  /** Counts pino records at warn level or above (Newton logs JSON lines to stdout). */
  const scan = (which: 'out' | 'err', d: string) => {
    const lines = (partial[which] + d).split('\n');
    partial[which] = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const rec = JSON.parse(line) as { level?: number; msg?: string };
        if ((rec.level ?? 0) >= 40) {
          const k = `${rec.level && rec.level >= 50 ? 'error' : 'warn'}: ${rec.msg ?? '(no message)'}`;
          warnings[k] = (warnings[k] ?? 0) + 1;
        }
      } catch {
        /* not a log record */
      }
    }
  };
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    scan('out', d);
    if (opts.echo) process.stderr.write(d.replace(/^/gm, `[${opts.name}] `));
  });
  let exited = false;
  const exitP = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    exited = true;
  });
  return new Promise((resolve, reject) => {
    let found = false;
    const timer = setTimeout(() => {
      if (!found) {
        child.kill('SIGKILL');
        reject(new Error(`${opts.name} did not start within ${opts.startTimeoutMs ?? 30000} ms:\n${tail}`));
      }
    }, opts.startTimeoutMs ?? 30_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      tail = (tail + d).slice(-8192);
      scan('err', d);
      if (opts.echo) process.stderr.write(d.replace(/^/gm, `[${opts.name}] `));
      if (found) return;
      const m = /listening on (http:\/\/[\w.:[\]-]+)/.exec(tail);
      if (!m?.[1]) return;
      found = true;
      clearTimeout(timer);
      const pid = child.pid ?? 0;
      const server: ServerProcess = {
        name: opts.name,
        pid,
        url: m[1],
        child,
        cpuSeconds: () => cpuSecondsOf(pid),
        rssBytes: () => rssBytesOf(pid),
        stderrTail: () => tail,
        warnings: () => ({ ...(beforeStop ?? warnings) }),
        stop: async (timeoutMs = 20_000) => {
          running.delete(server);
          // What the node logs while shutting down (e.g. its Redis connection ending) is not a finding.
          beforeStop ??= { ...warnings };
          if (exited) return;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          await exitP;
          clearTimeout(t);
        },
      };
      running.add(server);
      resolve(server);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`${opts.name} exited (${code ?? signal}) before listening:\n${tail}`));
    });
  });
}

export interface NewtonEnv {
  /** SQLite data directory (also used for nothing else when DATABASE_URL is set). */
  dataDir: string;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  nodeId?: string;
}

/** The environment of a Newton node or `newton` command for the bench. */
export function newtonEnv(e: NewtonEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: e.dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JWT_SECRET: BENCH_JWT_SECRET,
    ...extra,
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.NEWTON_URL;
  if (e.databaseUrl) env.DATABASE_URL = e.databaseUrl;
  if (e.redisUrl) env.REDIS_URL = e.redisUrl;
  if (e.nodeId) env.NODE_ID = e.nodeId;
  return env;
}

export interface NewtonStartOptions extends NewtonEnv {
  name: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  echo?: boolean;
  /** Extra environment (e.g. HEARTBEAT_INTERVAL_MS). */
  extraEnv?: Record<string, string>;
}

/** Starts `newton start` as its own process (LOG_LEVEL=warn, PORT=0, 127.0.0.1), with the deployed node flags. */
export function startNewton(o: NewtonStartOptions): Promise<ServerProcess> {
  return spawnServer({
    name: o.name,
    argv: [process.execPath, ...NODE_FLAGS, ...(o.nodeArgs ?? []), NEWTON_BIN, 'start'],
    env: newtonEnv(o, o.extraEnv),
    echo: o.echo ?? false,
  });
}

/** Starts a competitor server (bench/competitors/<file>) as its own process, with Newton's node flags (a like-for-like yardstick). */
export function startCompetitor(
  name: string,
  file: string,
  echo = false,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<ServerProcess> {
  return spawnServer({
    name,
    argv: [
      process.execPath,
      ...NODE_FLAGS,
      ...nodeArgs,
      '--import',
      'tsx',
      path.join(ROOT, 'bench/competitors', file),
    ],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...extraEnv },
    echo,
  });
}

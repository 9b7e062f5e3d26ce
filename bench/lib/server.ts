/**
 * Servers under test as separate processes: Newton nodes (`newton start`),
 * the competitor servers, and their CPU/RSS readings from /proc. Also the
 * scratch databases (a fresh PostgreSQL database per run) and provisioning of
 * tenants, instances and tokens through the `newton` command.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NEWTON_BIN = path.join(ROOT, 'packages/server/bin/newton.js');
export const BENCH_JWT_SECRET = 'newton-bench-secret-0123456789abcdef';
export const PG_ADMIN_URL = process.env.NEWTON_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Node flags that make a server run a full GC on SIGUSR2 (see `requestGc`). */
export const GC_ON_SIGNAL_ARGS = ['--expose-gc', '--import', path.join(ROOT, 'bench/lib/gc-on-signal.mjs')];

/** Asks a server started with GC_ON_SIGNAL_ARGS for a full garbage collection. */
export function requestGc(server: { pid: number }): void {
  process.kill(server.pid, 'SIGUSR2');
}
export const REDIS_URL = process.env.NEWTON_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU seconds (utime + stime) a process has used so far, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytesOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

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

/** Starts `newton start` as its own process (LOG_LEVEL=warn, PORT=0, 127.0.0.1). */
export function startNewton(o: NewtonStartOptions): Promise<ServerProcess> {
  return spawnServer({
    name: o.name,
    argv: [process.execPath, ...(o.nodeArgs ?? []), NEWTON_BIN, 'start'],
    env: newtonEnv(o, o.extraEnv),
    echo: o.echo ?? false,
  });
}

/** Starts a competitor server (bench/competitors/<file>) as its own process. */
export function startCompetitor(
  name: string,
  file: string,
  echo = false,
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  return spawnServer({
    name,
    argv: [process.execPath, ...nodeArgs, '--import', 'tsx', path.join(ROOT, 'bench/competitors', file)],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    echo,
  });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const p = mkdtempSync(path.join(tmpdir(), `newton-bench-${prefix}-`));
  return { path: p, remove: () => rmSync(p, { recursive: true, force: true }) };
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database (CREATE DATABASE on the admin URL), dropped by `drop()`. */
export async function createPgDatabase(): Promise<ScratchDatabase> {
  const name = `newton_bench_${randomBytes(5).toString('hex')}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => pgAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

export interface TenantSpec {
  tenant: string;
  /** Evolution instance name routed to the tenant. */
  instance: string;
}

export interface Provisioned extends TenantSpec {
  token: string;
}

/**
 * Creates tenants and their Evolution instances and issues one token each,
 * through the `newton` command (`tenant add`, `instance add`, `token`). The
 * commands run in one child process (bench/lib/provision-worker.ts calls the
 * CLI's `main` once per command) instead of one process per command, which
 * would take minutes for hundreds of tenants.
 */
export async function provision(e: NewtonEnv, tenants: TenantSpec[]): Promise<Provisioned[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/lib/provision-worker.ts')],
    { env: newtonEnv(e), stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  child.stdin.end(JSON.stringify(tenants));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`provisioning failed (${code}): ${err.slice(-4000)}`);
  const tokens = JSON.parse(out) as Record<string, string>;
  return tenants.map((t) => {
    const token = tokens[t.tenant];
    if (!token) throw new Error(`no token for ${t.tenant}`);
    return { ...t, token };
  });
}

export type Dialect = 'sqlite' | 'postgres';

/** Tenants every scratch store has: `t000`…`t099` (instances `wa-t000`…) and `solo` (`wa-solo`). */
export interface Fixture {
  tenants: Provisioned[];
  solo: Provisioned;
}

export const FIXTURE_TENANTS = 100;

interface Template {
  fixture: Fixture;
  /** SQLite: the data directory to copy; PostgreSQL: the template database name. */
  source: string;
  dispose(): Promise<void>;
}

const templates = new Map<Dialect, Promise<Template>>();

async function makeTemplate(dialect: Dialect): Promise<Template> {
  const specs: TenantSpec[] = [
    ...Array.from({ length: FIXTURE_TENANTS }, (_, i) => {
      const tenant = `t${String(i).padStart(3, '0')}`;
      return { tenant, instance: `wa-${tenant}` };
    }),
    { tenant: 'solo', instance: 'wa-solo' },
  ];
  const dir = tempDir(`template-${dialect}`);
  if (dialect === 'sqlite') {
    const all = await provision({ dataDir: dir.path }, specs);
    return {
      fixture: { tenants: all.slice(0, FIXTURE_TENANTS), solo: all[FIXTURE_TENANTS] as Provisioned },
      source: dir.path,
      dispose: async () => dir.remove(),
    };
  }
  const db = await createPgDatabase();
  const all = await provision({ dataDir: dir.path, databaseUrl: db.url }, specs);
  dir.remove();
  return {
    fixture: { tenants: all.slice(0, FIXTURE_TENANTS), solo: all[FIXTURE_TENANTS] as Provisioned },
    source: new URL(db.url).pathname.slice(1),
    dispose: () => db.drop(),
  };
}

export interface ScratchStore {
  dialect: Dialect;
  env: NewtonEnv;
  fixture: Fixture;
  remove(): Promise<void>;
}

/**
 * A fresh store with the fixture's tenants, instances and tokens: provisioned
 * once per dialect and run through the `newton` command, then copied (SQLite:
 * the data directory; PostgreSQL: CREATE DATABASE … TEMPLATE).
 */
export async function scratchStore(dialect: Dialect): Promise<ScratchStore> {
  let t = templates.get(dialect);
  if (!t) {
    t = makeTemplate(dialect);
    templates.set(dialect, t);
  }
  const template = await t;
  const dir = tempDir(dialect);
  if (dialect === 'sqlite') {
    cpSync(template.source, dir.path, { recursive: true });
    return track({
      dialect,
      env: { dataDir: dir.path },
      fixture: template.fixture,
      remove: async () => dir.remove(),
    });
  }
  const name = `newton_bench_${randomBytes(5).toString('hex')}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template.source}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return track({
    dialect,
    env: { dataDir: dir.path, databaseUrl: url.toString() },
    fixture: template.fixture,
    remove: async () => {
      dir.remove();
      await pgAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
    },
  });
}

const liveStores = new Set<ScratchStore>();

function track(s: ScratchStore): ScratchStore {
  const remove = s.remove;
  const tracked: ScratchStore = {
    ...s,
    remove: async () => {
      if (!liveStores.delete(tracked)) return;
      await remove();
    },
  };
  liveStores.add(tracked);
  return tracked;
}

/** Stops every server and removes every scratch store and template (end of run, Ctrl-C, errors). */
export async function cleanupAll(): Promise<void> {
  await stopAllServers();
  for (const s of [...liveStores]) await s.remove().catch(() => {});
  await disposeTemplates();
}

/** Drops the provisioned templates (end of the run). */
export async function disposeTemplates(): Promise<void> {
  const all = [...templates.values()];
  templates.clear();
  for (const t of all) await (await t).dispose().catch(() => {});
}

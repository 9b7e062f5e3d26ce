/**
 * Helpers of scripts/pack.test.ts: build when stale, `npm pack` the packages, make throwaway npm
 * projects that install the tarballs, and run commands in them as a user would. Every command
 * runs with the Node that runs the test (its folder first on PATH), so the Node 24 pass of
 * .ci/run installs and runs everything on 24.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** The environment of a user's shell: none of the test runner's source-mode switches. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NEWTON_FROM_SOURCE;
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}

export interface RunResult {
  code: number | null;
  out: string;
}

/** Runs a command to its end; rejects, with everything it printed, unless it exits 0. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ code, out });
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${code}:\n${out}`));
    });
  });
}

/** A long-running command whose output can be waited on, line by line. */
export class Running {
  readonly child: ChildProcess;
  out = '';
  private readonly waiters = new Set<() => void>();
  private exited: number | null | undefined;

  constructor(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
    // A process group of its own: `npx` does not pass SIGTERM on to the command it started, so
    // stop() signals the whole group.
    this.child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const take = (d: Buffer) => {
      this.out += d;
      for (const w of this.waiters) w();
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.child.on('exit', (code) => {
      this.exited = code;
      for (const w of this.waiters) w();
    });
  }

  /** Waits for the output to match; fails if the process exits first or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.out.match(re);
        if (m) return done(() => resolve(m));
        if (this.exited !== undefined)
          done(() => reject(new Error(`exited ${this.exited} before ${re}:\n${this.out}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${re} within ${timeoutMs} ms:\n${this.out}`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        f();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the exit; its code. */
  exit(timeoutMs: number): Promise<number | null> {
    return new Promise((resolve, reject) => {
      if (this.exited !== undefined) return resolve(this.exited);
      const timer = setTimeout(
        () => reject(new Error(`still running after ${timeoutMs} ms:\n${this.out}`)),
        timeoutMs,
      );
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  /** SIGTERM to the process group, SIGKILL if any of it is still there after 10 s. */
  async stop(): Promise<void> {
    const group = -(this.child.pid ?? 0);
    const alive = () => {
      try {
        process.kill(group, 0);
        return true;
      } catch {
        return false;
      }
    };
    if (!alive()) return;
    process.kill(group, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive()) process.kill(group, 'SIGKILL');
  }
}

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = path.join(dir, name);
    const st = statSync(full);
    t = Math.max(t, st.isDirectory() ? newest(full) : st.mtimeMs);
  }
  return t;
}

/** Runs `npm run build` unless every output is newer than every source it is built from. */
export async function buildIfStale(): Promise<void> {
  const outputs = [
    'packages/protocol/dist/index.js',
    'packages/client/dist/index.js',
    'packages/server/dist/cli.js',
    'packages/web/build/index.html',
  ].map((f) => path.join(ROOT, f));
  const sources = ['packages/protocol/src', 'packages/client/src', 'packages/server/src', 'packages/web/src'];
  const built = outputs.every(existsSync) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
  if (built > Math.max(...sources.map((s) => newest(path.join(ROOT, s))))) return;
  await run(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeoutMs: 600_000 });
}

export interface Tarballs {
  protocol: string;
  client: string;
  server: string;
}

/** `npm pack` of the three published packages into `dest`; the tarballs' paths. */
export async function packAll(dest: string): Promise<Tarballs> {
  const ws = ['@newton/protocol', '@newton/client', '@newton/server'].flatMap((w) => ['-w', w]);
  const { out } = await run('npm', ['pack', '--json', '--pack-destination', dest, ...ws], { cwd: ROOT });
  const files = (JSON.parse(out.slice(out.indexOf('['))) as { name: string; filename: string }[]).map(
    (p) => [p.name, path.join(dest, p.filename)] as const,
  );
  const by = new Map(files);
  const get = (name: string): string => {
    const file = by.get(name);
    if (!file) throw new Error(`npm pack made no tarball of ${name}:\n${out}`);
    return file;
  };
  return { protocol: get('@newton/protocol'), client: get('@newton/client'), server: get('@newton/server') };
}

/** A fresh npm project in `dir` with `files` written and `deps` installed (tarballs or registry specs). */
export async function project(dir: string, files: Record<string, string>, deps: string[]): Promise<void> {
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: path.basename(dir), private: true, type: 'module' }, null, 2),
  );
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  if (deps.length === 0) return;
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...deps], {
    cwd: dir,
  });
}

/**
 * `newton start` failing to start says what and how to fix it on one line,
 * exits 1, and prints no stack trace unless LOG_LEVEL=debug (#14). Each case
 * runs the real command as a process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PG_ADMIN_URL } from '../../testing/databases.js';
import { eventually } from '../../testing/harness.js';

const BIN = fileURLToPath(new URL('../../bin/newton.js', import.meta.url));
let dir: string;
let occupied: Server;
let busyPort: number;
let closedPort: number;
let pgUp = false;

/** A clean environment for `newton start`: its data in `dir`, port 0 on 127.0.0.1, then `vars`. */
function cleanEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dir,
    HOST: '127.0.0.1',
    PORT: '0',
    ...vars,
  };
}

/** `newton start` with `vars` over a clean environment; resolves when the process exits. */
function start(
  vars: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'start'], { env: cleanEnv({ LOG_LEVEL: 'info', ...vars }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `newton start` that keeps running: resolves with its stderr once the banner is out, then stops it. */
async function startAndStop(vars: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: cleanEnv(vars),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await eventually(
      () => /\n {2}next: /.test(stderr) || child.exitCode !== null,
      60_000,
      'the start banner',
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  return { code: await exited, stderr };
}

/** One line on stderr, containing `hint`, no stack frame, exit 1. */
function assertOneLine(r: { code: number | null; stderr: string }, hint: RegExp): string {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
  assert.match(lines[0] as string, /^newton start: /);
  assert.match(lines[0] as string, hint);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  return lines[0] as string;
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'newton-startup-'));
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  busyPort = (occupied.address() as { port: number }).port;
  // A port nothing listens on: taken from the system, then released.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  pgUp = await client.connect().then(
    () => true,
    () => false,
  );
  await client.end().catch(() => {});
});
after(async () => {
  await new Promise<void>((resolve) => occupied.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('newton start: start-up failures in one line', () => {
  test('a port in use', async () => {
    const r = await start({ PORT: String(busyPort) });
    const line = assertOneLine(r, /stop it or set PORT/);
    assert.equal(
      line,
      `newton start: port ${busyPort} is in use: another Newton or program listens there; stop it or set PORT`,
    );
  });

  test('with LOG_LEVEL=debug the same line, its code and the stack', async () => {
    const r = await start({ PORT: String(busyPort), LOG_LEVEL: 'debug' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^newton start: port \d+ is in use: .* \[port_in_use\]$/m);
    assert.match(r.stderr, /^\s+at /m);
  });

  test('a database that does not exist: the createdb command, without the password', async (t) => {
    if (!pgUp) return t.skip(`no PostgreSQL at ${new URL(PG_ADMIN_URL).host}`);
    const url = new URL(PG_ADMIN_URL);
    url.password = 'not-printed-secret';
    url.pathname = '/newton_missing_db';
    const r = await start({ DATABASE_URL: url.toString() });
    const line = assertOneLine(r, /createdb -h /);
    const user = url.username ? ` -U ${url.username}` : '';
    assert.ok(
      line.includes(
        `database "newton_missing_db" does not exist on PostgreSQL at ${url.hostname}:${url.port || 5432}: ` +
          `create it with createdb -h ${url.hostname} -p ${url.port || 5432}${user} newton_missing_db`,
      ),
      line,
    );
    assert.doesNotMatch(r.stderr, /not-printed-secret/);
  });

  test('a database nobody listens for', async () => {
    const r = await start({ DATABASE_URL: `postgres://newton:secret@127.0.0.1:${closedPort}/newton` });
    const line = assertOneLine(r, /fix the host and port in DATABASE_URL/);
    assert.equal(
      line,
      `newton start: cannot reach PostgreSQL at 127.0.0.1:${closedPort} (connection refused): start it, or fix the host and port in DATABASE_URL`,
    );
    assert.doesNotMatch(r.stderr, /secret/);
  });

  test('a REDIS_URL that is not a URL', async () => {
    const r = await start({ REDIS_URL: 'not-a-url', JWT_SECRET: 'a-secret-of-16-chars-or-more' });
    assertOneLine(
      r,
      /REDIS_URL must be a redis:\/\/ URL with a host \(for example REDIS_URL=redis:\/\/cache:6379\)/,
    );
  });

  test('a Redis nobody listens for is a warning: the node starts degraded (by design) and stops cleanly', async () => {
    const r = await startAndStop({
      REDIS_URL: `redis://:secret@127.0.0.1:${closedPort}`,
      JWT_SECRET: 'a-secret-of-16-chars-or-more',
    });
    assert.match(r.stderr, /Newton is listening on /);
    assert.match(
      r.stderr,
      new RegExp(`bus: +warning: Redis at 127\\.0\\.0\\.1:${closedPort} cannot be reached: running degraded`),
    );
    assert.doesNotMatch(r.stderr, /secret@/);
    assert.equal(r.code, 0, r.stderr);
  });

  test('a PUBLIC_URL that is not http(s)', async () => {
    const r = await start({ PUBLIC_URL: 'ftp://x' });
    assertOneLine(
      r,
      /PUBLIC_URL must be an absolute http\(s\) URL without a query or fragment \(for example PUBLIC_URL=https:\/\/newton\.example\.com\)/,
    );
  });
});

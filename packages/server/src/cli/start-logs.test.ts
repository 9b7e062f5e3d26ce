/**
 * `newton trace` finds the logs of a server started with `newton start` (as
 * `npm start` does) without `--log` (#14): the node writes its pino logs to
 * DATA_DIR/logs/newton.log as well as stdout, and the file stays bounded.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli-runner.js';
import { eventually } from '../../testing/harness.js';
import { createLogger } from '../core/index.js';
import { openLogFile } from './log-file.js';

const BIN = fileURLToPath(new URL('../../bin/newton.js', import.meta.url));
let dir: string;
let server: ChildProcess | undefined;
let url = '';
let stderr = '';
const env = () => ({
  ...process.env,
  DATA_DIR: dir,
  DATABASE_URL: '',
  REDIS_URL: '',
  LOG_FILE: '',
  JWT_SECRET: 'start-logs-test-secret-0123456789',
  NEWTON_URL: url,
});

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'newton-start-logs-'));
  server = spawn(process.execPath, [BIN, 'start'], {
    env: { ...env(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stderr?.on('data', (d) => (stderr += d));
  // A cold start through tsx takes seconds on a busy machine; the banner ends with "next:".
  await eventually(() => /\n {2}next: /.test(stderr) || server?.exitCode !== null, 60_000, 'newton start');
  url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1] ?? '';
  assert.ok(url, stderr);
});
after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('newton start writes its logs where newton trace reads them', () => {
  test('start says where its logs go', () => {
    assert.match(stderr, new RegExp(`logs: +stdout and ${path.join(dir, 'logs', 'newton.log')}`));
  });

  test('a simulated message is traced through the published and delivered hops with no --log', async () => {
    assert.equal((await runCli(['tenant', 'add', 'logs_tenant'], env())).code, 0);
    const added = await runCli(
      ['instance', 'add', 'logs_tenant', '--provider', 'evolution', '--instance', 'logs-wa', '--apikey', 'k'],
      env(),
    );
    assert.equal(added.code, 0, added.err);
    const sim = await runCli(['simulate', 'logs_tenant', '--from', '573001112233', '--text', 'hola'], env());
    assert.equal(sim.code, 0, sim.err);
    const messageId = (JSON.parse(sim.out) as { message_id: string }).message_id;
    assert.ok(messageId, sim.out);
    let last = '';
    await eventually(
      async () => {
        const r = await runCli(['trace', messageId, '--json'], env());
        last = r.out;
        const t = JSON.parse(r.out) as {
          steps: { hop: string; source: string }[];
          logs: { files: string[] };
        };
        return (
          t.logs.files.includes(path.join(dir, 'logs', 'newton.log')) &&
          t.steps.some((s) => s.hop === 'published' && s.source !== 'database')
        );
      },
      20_000,
      'the published hop from the log file',
    );
    assert.match(last, /"hop": "routed"/);
  });
});

describe('the log file stays bounded', () => {
  test('a file over the bound moves to .1 at start and while running', async () => {
    const file = path.join(dir, 'bounded', 'node.log');
    await mkdir(path.dirname(file), { recursive: true });
    writeFileSync(file, `${'x'.repeat(2000)}\n`);
    const log = openLogFile(file, 'info', { maxBytes: 1000, checkMs: 20, console: { write: () => {} } });
    try {
      assert.ok(existsSync(`${file}.1`), 'rotated at open');
      assert.equal(statSync(`${file}.1`).size, 2001);
      const logger = createLogger('info', 'bounded', log.destination);
      for (let i = 0; i < 10; i++) logger.info('y'.repeat(200));
      // Over 1000 bytes now: the next check moves it aside and starts a new file.
      await eventually(() => statSync(`${file}.1`).size !== 2001, 10_000, 'rotation while running');
      assert.match(readFileSync(`${file}.1`, 'utf8'), /y{200}/);
    } finally {
      log.close();
    }
  });
});

describe('a line logged while the node stops', () => {
  test('after the file is closed it goes to stdout only, and never throws', async () => {
    const file = path.join(dir, 'closing', 'node.log');
    const console: string[] = [];
    const log = openLogFile(file, 'info', { console: { write: (line: string) => void console.push(line) } });
    const logger = createLogger('info', 'closing', log.destination);
    logger.info('before close');
    log.close();
    // What the Redis bus does when the node's connection drops during the stop.
    assert.doesNotThrow(() => logger.warn('redis connection lost'));
    log.close();
    assert.ok(
      console.some((l) => l.includes('redis connection lost')),
      'still on stdout',
    );
    await eventually(() => readFileSync(file, 'utf8').includes('before close'), 10_000, 'the file flushed');
    assert.ok(!readFileSync(file, 'utf8').includes('redis connection lost'), 'not written after close');
  });
});

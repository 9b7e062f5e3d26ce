/**
 * Durability: a 2xx to a webhook means the message is committed. The server
 * is killed with SIGKILL right after answering; after a restart the message is
 * stored and replays to a socket resuming with `since`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createTestDatabase, type TestDatabase } from '../testing/databases.js';
import { upsertBody } from '../testing/evolution-fixtures.js';
import { TestSocket } from '../testing/harness.js';

const BIN = fileURLToPath(new URL('../bin/newton.js', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-crash-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
};
const children: ChildProcess[] = [];
let database: TestDatabase | undefined;

before(async () => {
  database = await createTestDatabase();
  if (database.url) env.DATABASE_URL = database.url;
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Starts `newton start` and resolves with its URL once it listens. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'start'], { env });
  children.push(child);
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(stderr);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
}

test('a message acknowledged just before SIGKILL is stored and replays after restart', async () => {
  assert.equal((await cli(['tenant', 'add', 'durable'])).code, 0);
  assert.equal(
    (await cli(['instance', 'add', 'durable', '--provider', 'evolution', '--instance', 'dur-wa'])).code,
    0,
  );
  const token = (await cli(['token', 'durable'])).stdout.trim();

  const first = await startServer();
  const body = upsertBody({ instance: 'dur-wa', sender: null, text: 'survives a crash', pushName: 'Ana' });
  const res = await fetch(`${first.url}/webhooks/evolution`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  first.child.kill('SIGKILL'); // no graceful shutdown, no chance to flush anything
  await new Promise((r) => first.child.once('exit', r));

  const second = await startServer();
  const s = new TestSocket(
    new WebSocket(`${second.url.replace('http', 'ws')}/ws/conversations/durable?token=${token}&since=0`),
  );
  await s.waitFor('resumed');
  const msg = s.events().find((e) => e.type === 'new_message');
  assert.ok(msg, 'the acknowledged message replayed');
  assert.equal((msg.message as { content: string }).content, 'survives a crash');
  assert.deepEqual(
    s.events().map((e) => e.seq),
    [1, 2],
  );
  // Posting the same webhook again (Evolution retrying) does not duplicate it.
  const again = await fetch(`${second.url}/webhooks/evolution`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(((await again.json()) as { outcome: string }).outcome, 'duplicate');
  s.close();
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
});

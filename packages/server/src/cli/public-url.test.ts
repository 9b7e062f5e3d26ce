/**
 * PUBLIC_URL is every URL Newton prints (#14): the `newton start` banner
 * (webhooks, sockets, API docs, inbox, sign-in links) and the URLs
 * `newton instance add` hands to Evolution and Meta. Unset, they are the
 * listening address.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli-runner.js';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import { inboxBase } from './commands/login-links.js';

const BIN = fileURLToPath(new URL('../../bin/newton.js', import.meta.url));
const PUBLIC = 'https://newton.example.com';
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const c of cleanups.reverse()) await c();
});

async function environment(extra: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'newton-public-'));
  const database: TestDatabase = await createTestDatabase();
  cleanups.push(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    ...process.env,
    DATA_DIR: dir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    UPSTREAM_CHECK_INTERVAL_MS: '0',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...extra,
  };
}

/** `newton start` until its banner is printed (the `next:` line); then SIGTERM. */
async function banner(env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'start'], { env });
  children.push(child);
  const text = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/\n {2}next: /.test(stderr)) resolve(stderr);
    });
    child.once('exit', (code) => reject(new Error(`newton start exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return text;
}

/** The lines of the banner that carry a URL, but the first (where the node listens). */
const urlLines = (text: string) =>
  text
    .split('\n')
    .slice(1)
    .filter((l) => /\w+:\/\//.test(l));

test('newton start with PUBLIC_URL: every URL printed is under PUBLIC_URL', async () => {
  const text = await banner(await environment({ PUBLIC_URL: `${PUBLIC}/` }));
  assert.match(text, /^Newton is listening on http:\/\/127\.0\.0\.1:\d+/);
  const lines = urlLines(text);
  for (const what of ['webhooks:', 'sockets:', 'API docs:', 'inbox:', 'sign in:'])
    assert.ok(
      lines.some((l) => l.trim().startsWith(what)),
      `${what} in:\n${text}`,
    );
  for (const l of lines) {
    const urls = l.match(/\w+:\/\/[^\s)·]+/g) ?? [];
    for (const u of urls) assert.match(u, /^(https|wss):\/\/newton\.example\.com(\/|$)/, `${u} in: ${l}`);
  }
  assert.match(text, /sockets: {3}wss:\/\/newton\.example\.com\/ws\/conversations\//);
  assert.match(text, /sign in: {3}https:\/\/newton\.example\.com\/login#code=/);
});

test('newton start without PUBLIC_URL: the listening address (the inbox on localhost)', async () => {
  const text = await banner(await environment({}));
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1];
  assert.ok(port, text);
  assert.match(text, new RegExp(`webhooks: {2}http://127\\.0\\.0\\.1:${port}/webhooks/evolution`));
  assert.match(text, new RegExp(`sign in: {3}http://localhost:${port}/login#code=`));
  assert.ok(!text.includes('example.com'));
});

test('newton instance add prints the webhook and callback URLs under PUBLIC_URL', async () => {
  const env = await environment({ PUBLIC_URL: PUBLIC, NEWTON_URL: 'http://10.1.2.3:8080' });
  assert.equal((await runCli(['tenant', 'add', 'pub'], env)).code, 0);
  const evo = await runCli(
    ['instance', 'add', 'pub', '--provider', 'evolution', '--instance', 'pub-wa'],
    env,
  );
  assert.equal(evo.code, 0, evo.err);
  assert.match(evo.out, /webhook URL for Evolution: https:\/\/newton\.example\.com\/webhooks\/evolution/);
  const cloud = await runCli(
    [
      ...['instance', 'add', 'pub', '--provider', 'cloud', '--phone-number-id', '301234567890999'],
      ...['--app-secret', 's-1', '--verify-token', 'v-1', '--access-token', 'EAAG-1'],
    ],
    env,
  );
  assert.equal(cloud.code, 0, cloud.err);
  assert.match(cloud.out, /callback URL for Meta: https:\/\/newton\.example\.com\/webhooks\/whatsapp/);
});

test('inboxBase: PUBLIC_URL, else localhost for a wildcard or loopback bind, else the listening address', () => {
  const node = { url: 'http://10.0.0.5:8080', port: 8080 };
  assert.equal(inboxBase(node, { host: '0.0.0.0', publicUrl: PUBLIC }), PUBLIC);
  assert.equal(inboxBase(node, { host: '0.0.0.0', publicUrl: undefined }), 'http://localhost:8080');
  assert.equal(inboxBase(node, { host: '10.0.0.5', publicUrl: undefined }), 'http://10.0.0.5:8080');
});

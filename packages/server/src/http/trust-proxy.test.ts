/**
 * TRUST_PROXY (#14): behind a trusted proxy `X-Forwarded-For` is the client IP
 * Newton logs and `X-Forwarded-Proto`/`-Host` are the scheme and host of the
 * URLs it builds (the OpenAPI `servers`); from an untrusted peer, or with
 * TRUST_PROXY off, the headers are ignored, so a client cannot spoof them.
 * PUBLIC_URL, when set, wins over both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { createTestDatabase } from '../../testing/databases.js';
import { eventually } from '../../testing/harness.js';
import { type NewtonNode, startNode } from '../app.js';
import { type Config, loadConfig } from '../config.js';
import { createLogger } from '../core/index.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A node whose pino lines are collected; `env` is read like the server's environment. */
async function nodeWith(
  env: NodeJS.ProcessEnv,
): Promise<{ node: NewtonNode; lines: Record<string, unknown>[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'newton-proxy-'));
  const database = await createTestDatabase();
  const config: Config = {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'info', ...env }),
    upstreamCheckIntervalMs: 0,
    databaseUrl: database.url,
  };
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const node = await startNode(config, createLogger('info', 'proxy-node', sink));
  cleanups.push(async () => {
    await node.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { node, lines };
}

const forwarded = {
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'newton.example.com',
};

/** The IP the request log gave to the request with this id header's path. */
async function loggedIp(lines: Record<string, unknown>[], url: string): Promise<unknown> {
  let ip: unknown;
  await eventually(
    () => {
      const line = lines.find((l) => l.msg === 'incoming request' && (l.req as { url: string }).url === url);
      ip = (line?.req as { ip?: string } | undefined)?.ip;
      return line !== undefined;
    },
    5000,
    `the request log of ${url}`,
  );
  return ip;
}

async function servers(node: NewtonNode): Promise<string | undefined> {
  const doc = (await (await fetch(`${node.url}/docs/json`, { headers: forwarded })).json()) as {
    servers?: { url: string }[];
  };
  return doc.servers?.[0]?.url;
}

test('TRUST_PROXY=loopback: X-Forwarded-For is the logged IP, X-Forwarded-Proto/Host build the URLs', async () => {
  const { node, lines } = await nodeWith({ TRUST_PROXY: 'loopback' });
  await fetch(`${node.url}/healthz?via=proxy`, { headers: forwarded });
  assert.equal(await loggedIp(lines, '/healthz?via=proxy'), '203.0.113.7');
  assert.equal(await servers(node), 'https://newton.example.com');
});

test('TRUST_PROXY unset: the headers are ignored (a client cannot spoof its address or scheme)', async () => {
  const { node, lines } = await nodeWith({});
  await fetch(`${node.url}/healthz?via=spoof`, { headers: forwarded });
  assert.equal(await loggedIp(lines, '/healthz?via=spoof'), '127.0.0.1');
  assert.equal(await servers(node), node.url);
});

test('TRUST_PROXY naming another proxy: this peer is not trusted, its headers are ignored', async () => {
  const { node, lines } = await nodeWith({ TRUST_PROXY: '10.0.0.0/8' });
  await fetch(`${node.url}/healthz?via=other`, { headers: forwarded });
  assert.equal(await loggedIp(lines, '/healthz?via=other'), '127.0.0.1');
  assert.equal(await servers(node), node.url);
});

test('PUBLIC_URL wins over the request: the OpenAPI servers are PUBLIC_URL', async () => {
  const { node } = await nodeWith({ TRUST_PROXY: 'true', PUBLIC_URL: 'https://chat.example.org/newton' });
  assert.equal(await servers(node), 'https://chat.example.org/newton');
});

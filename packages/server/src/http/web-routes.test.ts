/**
 * The inbox at `/` (web-routes.ts): build files, the SPA fallback, the
 * server's own paths kept out of it, cache headers, path traversal, and the
 * page shown when the inbox is not built.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { webRoutes } from './web-routes.js';

const dir = mkdtempSync(path.join(tmpdir(), 'newton-web-routes-'));
const build = path.join(dir, 'build');
let app: FastifyInstance;

before(async () => {
  mkdirSync(path.join(build, '_app/immutable'), { recursive: true });
  writeFileSync(path.join(build, 'index.html'), '<!doctype html><title>inbox</title>');
  writeFileSync(path.join(build, '_app/immutable/app.abc123.js'), 'console.log(1)');
  writeFileSync(path.join(build, 'favicon.svg'), '<svg/>');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the build');
  app = Fastify();
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route for ${req.url}` }),
  );
  app.get('/api/me', async () => ({ ok: true }));
  await app.register(webRoutes, { webDir: build });
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('/ and unknown app paths answer index.html, revalidated', async () => {
  for (const url of ['/', '/c/8b2ce329-3a70', '/diagnostics', '/login']) {
    const res = await app.inject({ url, headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 200, url);
    assert.match(res.body, /<title>inbox<\/title>/);
    assert.equal(res.headers['cache-control'], 'no-cache');
  }
});

test('build files are served; hashed ones cached for a year', async () => {
  const js = await app.inject({ url: '/_app/immutable/app.abc123.js' });
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['cache-control']), /max-age=31536000.*immutable/);
  assert.match(String(js.headers['content-type']), /javascript/);
  const icon = await app.inject({ url: '/favicon.svg' });
  assert.equal(icon.statusCode, 200);
  assert.match(String(icon.headers['cache-control']), /max-age=0/);
});

test("the server's own paths never get the app", async () => {
  for (const url of [
    '/api/nothing',
    '/ws/conversations/x',
    '/webhooks/nope',
    '/docs/x',
    '/metrics',
    '/healthz/x',
  ]) {
    const res = await app.inject({ url, headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.json().error, 'not_found', url);
  }
  assert.deepEqual((await app.inject({ url: '/api/me' })).json(), { ok: true });
});

test('missing files, non-HTML requests and path traversal are 404s', async () => {
  assert.equal((await app.inject({ url: '/_app/immutable/missing.js' })).statusCode, 404);
  assert.equal((await app.inject({ url: '/c/1', headers: { accept: 'application/json' } })).statusCode, 404);
  assert.equal(
    (await app.inject({ url: '/c/1', headers: { accept: '*/*' } })).statusCode,
    404,
    'scripts get JSON',
  );
  assert.equal(
    (await app.inject({ url: '/', headers: { accept: '*/*' } })).statusCode,
    200,
    '/ is always the app',
  );
  for (const url of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%E0%A4%A']) {
    const res = await app.inject({ url });
    assert.notEqual(res.statusCode, 200, url);
    assert.doesNotMatch(res.body, /outside the build/, url);
  }
});

test('without a build, a page says how to build it', async () => {
  const bare = Fastify();
  await bare.register(webRoutes, { webDir: path.join(dir, 'nothing-here') });
  const res = await bare.inject({ url: '/' });
  assert.equal(res.statusCode, 503);
  assert.match(String(res.headers['content-type']), /text\/html/);
  assert.match(res.body, /npm run build -w @newton\/web/);
  await bare.close();
});

/**
 * request-logger.ts: a request's logger makes its pino child only when it
 * writes a line, and the lines it writes carry the request's id as before —
 * through a real Fastify server on port 0 and real HTTP requests.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '../core/index.js';
import { requestLoggerFactory } from './request-logger.js';

/** A server whose logger at `level` writes its lines into `lines`; `children` counts pino children made. */
async function server(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const logger: Logger = createLogger(level, 'request-logger-test', sink);
  const counter = { children: 0 };
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<Logger['child']>) => {
    counter.children++;
    return child(...args);
  }) as Logger['child'];
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    childLoggerFactory: requestLoggerFactory,
  });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.get('/noted', async (req) => {
    req.log.warn({ what: 'noted' }, 'a warning of the route');
    return { ok: true };
  });
  app.get('/chatty', { logLevel: 'debug' }, async (req) => {
    req.log.debug('a debug line of a route with its own level');
    return { ok: true };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  counter.children = 0; // what Fastify made of it while starting
  return { app, url, lines, counter };
}

/** Lines are written asynchronously by the stream: wait until `n` are in. */
async function until(lines: unknown[], n: number): Promise<void> {
  while (lines.length < n) await new Promise((r) => setImmediate(r));
}

test('at warn, a request that succeeds makes no child and writes nothing', async (t) => {
  const s = await server('warn');
  t.after(() => s.app.close());
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${s.url}/ok`)).status, 200);
  assert.equal(s.counter.children, 0, 'no pino child made');
  assert.deepEqual(s.lines, []);
});

test("a line at an enabled level carries the request's id, each request its own", async (t) => {
  const s = await server('warn');
  t.after(() => s.app.close());
  assert.equal((await fetch(`${s.url}/noted`)).status, 200);
  assert.equal((await fetch(`${s.url}/boom`)).status, 500);
  await until(s.lines, 2);
  const [noted, boom] = s.lines;
  assert.equal(noted?.msg, 'a warning of the route');
  assert.equal(noted?.what, 'noted');
  assert.equal(noted?.node, 'request-logger-test');
  assert.equal(boom?.level, 50, "Fastify's error line of the 500");
  assert.equal(typeof noted?.reqId, 'string');
  assert.equal(typeof boom?.reqId, 'string');
  assert.notEqual(noted?.reqId, boom?.reqId);
  assert.equal(s.counter.children, 2, 'a child for each request that wrote');
});

test("at info, Fastify's request lines carry the id as a pino child's would", async (t) => {
  const s = await server('info');
  t.after(() => s.app.close());
  await until(s.lines, 1); // 'Server listening at …'
  s.lines.length = 0;
  assert.equal((await fetch(`${s.url}/ok`)).status, 200);
  await until(s.lines, 2);
  const [incoming, completed] = s.lines;
  assert.equal(incoming?.msg, 'incoming request');
  assert.equal((incoming?.req as { url?: string })?.url, '/ok');
  assert.equal(completed?.msg, 'request completed');
  assert.equal(incoming?.reqId, completed?.reqId);
});

test('a route with a log level of its own gets a real child at that level', async (t) => {
  const s = await server('warn');
  t.after(() => s.app.close());
  assert.equal((await fetch(`${s.url}/chatty`)).status, 200);
  await until(s.lines, 1);
  const debug = s.lines.find((l) => l.msg === 'a debug line of a route with its own level');
  assert.equal(debug?.level, 20);
  assert.equal(typeof debug?.reqId, 'string');
});

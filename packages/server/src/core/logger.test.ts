import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger, lazyChild } from './logger.js';

/** A logger whose lines are parsed into `lines`. */
function collecting(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger(level, 'logger-test', sink), lines };
}

/** Lines are written asynchronously by the stream: wait until `n` are in. */
async function until(lines: unknown[], n: number): Promise<void> {
  while (lines.length < n) await new Promise((r) => setImmediate(r));
}

describe('lazyChild', () => {
  test('a line at an enabled level carries the bindings, as a child would', async () => {
    const { logger, lines } = collecting('info');
    const log = lazyChild(logger, { trace: 't-1', tenant: 'acme' });
    log.info({ message_id: 'm-1' }, 'message stored');
    log.warn('bus down');
    await until(lines, 2);
    assert.equal(lines[0]?.trace, 't-1');
    assert.equal(lines[0]?.tenant, 'acme');
    assert.equal(lines[0]?.message_id, 'm-1');
    assert.equal(lines[0]?.msg, 'message stored');
    assert.equal(lines[1]?.trace, 't-1');
    assert.equal(lines[1]?.level, 40);
  });

  test('a level that is off writes nothing; the next enabled line still has the bindings', async () => {
    const { logger, lines } = collecting('warn');
    const log = lazyChild(logger, { trace: 't-2' });
    log.info('not written');
    log.debug('not written either');
    log.warn({ reason: 'x' }, 'written');
    await until(lines, 1);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, 'written');
    assert.equal(lines[0]?.trace, 't-2');
  });

  test('secrets in the bindings or the line stay redacted', async () => {
    const { logger, lines } = collecting('info');
    const log = lazyChild(logger, { trace: 't-3', apikey: 'k-secret' });
    log.info({ instance: { apikey: 'k-2', name: 'main' } }, 'lookup');
    await until(lines, 1);
    const text = JSON.stringify(lines[0]);
    assert.ok(!text.includes('k-secret') && !text.includes('k-2'), text);
    assert.equal((lines[0] as { instance: { name: string } }).instance.name, 'main');
  });

  test('child() and isLevelEnabled() work through it', async () => {
    const { logger, lines } = collecting('info');
    const log = lazyChild(logger, { trace: 't-4' }).child({ step: 'publish' });
    assert.equal(log.isLevelEnabled('debug'), false);
    log.info('published');
    await until(lines, 1);
    assert.equal(lines[0]?.trace, 't-4');
    assert.equal(lines[0]?.step, 'publish');
  });
});

/** Range headers (RFC 9110 §14) as the media route reads them: 206, the whole file, or 416. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRange } from './byte-range.js';

test('one bytes= range: first-last, open end, suffix; clipped to the file', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'partial', start: 0, end: 999 });
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { kind: 'partial', start: 990, end: 999 });
  assert.deepEqual(parseRange('BYTES= 1 - 2', 1000), { kind: 'partial', start: 1, end: 2 });
});

test('outside the file, backwards or an empty suffix: 416', () => {
  for (const h of ['bytes=1000-', 'bytes=1000-2000', 'bytes=5-4', 'bytes=-0']) {
    assert.deepEqual(parseRange(h, 1000), { kind: 'unsatisfiable' }, h);
  }
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
});

test('no header, another unit, several ranges or garbage: the whole file', () => {
  for (const h of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=abc', 'bytes=-']) {
    assert.deepEqual(parseRange(h, 1000), { kind: 'full' }, String(h));
  }
});

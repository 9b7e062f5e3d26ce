/**
 * Row ids (core/ids.ts): UUIDs of version 7 whose order follows the time
 * they were made, so that the indexes on them grow at their right edge.
 */
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { newRowId } from './ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a row id is a version 7 UUID carrying the time it was made', () => {
  mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 11, 6, 23, 30) });
  try {
    const id = newRowId();
    assert.match(id, V7);
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    assert.equal(new Date(ms).toISOString(), '2026-12-06T23:30:00.000Z');
  } finally {
    mock.timers.reset();
  }
});

test('ids made later sort later, and none repeats', () => {
  mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 0, 1) });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      ids.push(newRowId());
      mock.timers.tick(1);
    }
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    // Within one millisecond: still distinct (74 random bits).
    const same = Array.from({ length: 10_000 }, () => newRowId());
    assert.equal(new Set(same).size, same.length);
    for (const id of same) assert.match(id, V7);
  } finally {
    mock.timers.reset();
  }
});

/**
 * Backoff between send attempts (issue #5 §1): exponential from
 * SEND_RETRY_BASE_MS, ±20 % jitter, capped at SEND_RETRY_MAX_MS; a
 * provider's Retry-After is honoured up to that cap.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffMs, type SenderOptions } from './sender.js';

const opts: SenderOptions = {
  timeoutMs: 10_000,
  maxAttempts: 5,
  retryBaseMs: 1000,
  retryMaxMs: 30_000,
  resumeAfterMs: 30_000,
};

function range(attempt: number, retryAfterMs?: number, o = opts): [number, number] {
  const seen = Array.from({ length: 200 }, () => backoffMs(attempt, o, retryAfterMs));
  return [Math.min(...seen), Math.max(...seen)];
}

describe('backoffMs', () => {
  test('doubles per attempt with ±20 % jitter', () => {
    for (const [attempt, base] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
    ] as const) {
      const [lo, hi] = range(attempt);
      assert.ok(lo >= base * 0.8 && hi <= base * 1.2, `attempt ${attempt}: ${lo}..${hi}`);
      assert.ok(hi > lo, 'jittered');
    }
  });

  test('never waits longer than SEND_RETRY_MAX_MS', () => {
    const [, hi] = range(10);
    assert.ok(hi <= 30_000, String(hi));
    assert.ok(range(10)[0] >= 30_000 * 0.8);
  });

  test("a provider's Retry-After is honoured, up to the cap", () => {
    const [lo] = range(1, 5000);
    assert.ok(lo >= 5000, String(lo));
    const [, hi] = range(1, 120_000);
    assert.equal(hi, 30_000);
  });
});

/**
 * Reconnect delays: exponential backoff with full jitter (the delay is uniform
 * in [0, cap), cap = base · 2^(attempt-1), at most `max`), so that many
 * clients that lost their sockets at the same moment spread their attempts
 * over the whole window instead of arriving together.
 */

/** The cap of attempt `attempt` (1-based): base, 2·base, 4·base, … up to max. */
export function backoffCap(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

/** The delay before attempt `attempt` (1-based), in ms. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * backoffCap(attempt, baseMs, maxMs));
}

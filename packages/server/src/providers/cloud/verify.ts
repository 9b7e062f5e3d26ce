/**
 * The Cloud API's webhook verification handshake (docs/api.md §1.8):
 * `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` answered with
 * the challenge when the token is one Newton knows. The request names no
 * phone number, so the token is compared with every Cloud instance's.
 */
import { timingSafeEqual } from 'node:crypto';

/** Longest challenge echoed back (Meta sends a short number). */
export const MAX_CHALLENGE_CHARS = 1000;

export type VerifyOutcome =
  | { ok: true; challenge: string }
  | { ok: false; status: 400 | 403; reason: string };

function sameToken(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  // Compare at equal length so that the time does not tell the length either.
  const padded = Buffer.alloc(ab.length);
  bb.copy(padded, 0, 0, Math.min(bb.length, ab.length));
  return timingSafeEqual(ab, padded) && ab.length === bb.length;
}

/** Checks the handshake's query against the configured verify tokens. */
export function verifyHandshake(
  query: Record<string, unknown>,
  knownTokens: readonly string[],
): VerifyOutcome {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe') {
    return { ok: false, status: 400, reason: 'hub.mode must be "subscribe"' };
  }
  if (typeof challenge !== 'string' || challenge === '') {
    return { ok: false, status: 400, reason: 'missing hub.challenge' };
  }
  if (challenge.length > MAX_CHALLENGE_CHARS) {
    return {
      ok: false,
      status: 400,
      reason: `hub.challenge is longer than ${MAX_CHALLENGE_CHARS} characters`,
    };
  }
  if (typeof token !== 'string' || token === '') {
    return { ok: false, status: 403, reason: 'missing hub.verify_token' };
  }
  let matched = false;
  // Every token is compared, so the time does not tell which (or whether one) matched.
  for (const known of knownTokens) matched = sameToken(token, known) || matched;
  if (!matched) {
    const reason =
      knownTokens.length === 0
        ? 'no Cloud API instance has a verify token (newton instance add … --verify-token)'
        : 'hub.verify_token matches no Cloud API instance';
    return { ok: false, status: 403, reason };
  }
  return { ok: true, challenge };
}

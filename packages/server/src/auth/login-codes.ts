/**
 * One-time sign-in codes for the inbox (embedded default). `newton start`
 * prints `http://localhost:<port>/login#code=<code>`; the inbox exchanges the
 * code for an admin token (http/login-routes.ts).
 *
 * - A code is 32 random bytes (base64url), works once, for `LOGIN_CODE_TTL_MS`
 *   (10 minutes), and only on the node that printed it (kept in memory, as a
 *   SHA-256 hash; a restart prints new ones).
 * - A code names a tenant, or none: then it signs in to the only tenant that
 *   exists when it is used.
 */
import { createHash, randomBytes } from 'node:crypto';

export const LOGIN_CODE_TTL_MS = 10 * 60_000;
const MAX_CODES = 100;

const hash = (code: string) => createHash('sha256').update(code).digest('hex');

/** The node's outstanding one-time codes. */
export class LoginCodes {
  private readonly codes = new Map<string, { tenantId: string | null; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Mints a code for `tenantId` (or for the only tenant at use time, when null). */
  issue(tenantId: string | null, ttlMs = LOGIN_CODE_TTL_MS): string {
    this.prune();
    if (this.codes.size >= MAX_CODES) {
      const oldest = this.codes.keys().next().value;
      if (oldest !== undefined) this.codes.delete(oldest);
    }
    const code = randomBytes(32).toString('base64url');
    this.codes.set(hash(code), { tenantId, expiresAt: this.now() + ttlMs });
    return code;
  }

  /** Uses a code up: its tenant (or null for "the only tenant"), or undefined when unknown, used or expired. */
  consume(code: string): { tenantId: string | null } | undefined {
    const key = hash(code);
    const entry = this.codes.get(key);
    this.codes.delete(key);
    if (!entry || entry.expiresAt <= this.now()) return undefined;
    return { tenantId: entry.tenantId };
  }

  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.codes) if (v.expiresAt <= now) this.codes.delete(k);
  }
}

/**
 * `X-Hub-Signature-256` (docs/api.md §1.8): `sha256=<hex HMAC-SHA256 of the
 * request body with the app secret>`. Meta signs the bytes it sends, which
 * escape non-ASCII as `\uXXXX`; the HMAC must run over the raw request bytes,
 * never over a re-serialised body.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

/** The 32 signature bytes of a header value, or null when it is not `sha256=<64 hex>`. */
export function parseSignatureHeader(header: string | undefined): Buffer | null {
  if (!header) return null;
  const m = HEADER.exec(header.trim());
  return m?.[1] ? Buffer.from(m[1], 'hex') : null;
}

/** `sha256=<hex>` for a body: what Meta sends (tests and the simulator use it). */
export function signBody(raw: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

/**
 * Which of `secrets` signed `raw` (constant-time comparison against each of
 * them, all of them compared); null when none did.
 */
export function signedWith(raw: Buffer, signature: Buffer, secrets: readonly string[]): string | null {
  let match: string | null = null;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(raw).digest();
    if (expected.length === signature.length && timingSafeEqual(expected, signature) && match === null) {
      match = secret;
    }
  }
  return match;
}

/** JSON as Meta sends it: every non-ASCII UTF-16 unit escaped as `\uXXXX`, lowercase hex. */
export function metaJson(body: unknown): string {
  return JSON.stringify(body).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

import { isIP } from 'node:net';
import * as z from 'zod/mini';
import { option } from './config-option.js';

/**
 * Newton behind a reverse proxy and called from pages of other origins (#14):
 * `TRUST_PROXY` and `CORS_ORIGINS`. `PUBLIC_URL` (in "Server") is the address
 * Newton prints and configures.
 */

/**
 * Fastify's `trustProxy`: every proxy, or the listed addresses/CIDRs. (A hop
 * count is not offered: Fastify 5 ignores one, since it cannot tell a proxy
 * from a client that sends enough `X-Forwarded-For` entries.)
 */
export type TrustProxy = boolean | string[];

/** Names proxy-addr (Fastify's `trustProxy`) knows besides addresses. */
const ADDRESS_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`, or one of {@link ADDRESS_NAMES}. */
function isTrustedAddress(entry: string): boolean {
  if (ADDRESS_NAMES.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function parseTrustProxy(text: string, ctx: z.core.ParsePayload): TrustProxy {
  const v = text.trim().toLowerCase();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message: `a hop count (${v}) cannot tell a proxy from a client: list the proxies' addresses or CIDRs (e.g. 10.0.0.0/8), or true`,
    });
    return z.NEVER;
  }
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((e) => !isTrustedAddress(e));
  if (list.length === 0 || bad.length > 0) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message: `must be true, false or a comma-separated list of IP addresses/CIDRs (not ${bad.join(', ') || 'empty'})`,
    });
    return z.NEVER;
  }
  return list;
}

/** An origin exactly as browsers send it: `scheme://host[:port]`, no path, no trailing slash. */
function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value;
  } catch {
    return false;
  }
}

function parseOrigins(text: string, ctx: z.core.ParsePayload): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((o) => !isOrigin(o));
  if (bad.length > 0) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message: `must be comma-separated origins such as https://crm.example.com (scheme, host and port only, no path or trailing slash); not ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return [...new Set(list)];
}

export const edge = {
  trustProxy: option(z.prefault(z.pipe(z.string(), z.transform(parseTrustProxy)), 'false'), {
    env: 'TRUST_PROXY',
    description:
      "Whether `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` are believed: they then give the client's IP (logs) and the scheme and host of the URLs Newton builds from a request (the OpenAPI `servers` at `/docs`) when `PUBLIC_URL` is unset. `true` trusts every hop (only when nothing but the proxy can reach Newton); a comma-separated list of addresses or CIDRs (`10.0.0.0/8,::1`, also `loopback`, `uniquelocal`) trusts those proxies. `false`: the headers are ignored, so a client cannot spoof its address.",
    example: '10.0.0.0/8',
  }),
  corsOrigins: option(z.prefault(z.pipe(z.string(), z.transform(parseOrigins)), ''), {
    env: 'CORS_ORIGINS',
    description:
      'Comma-separated origins whose pages may call the REST API from a browser (a CRM on `https://crm.example.com` calling `fetch(<newton>/api/…)` with a bearer token): their requests and preflights are answered with CORS headers (`Authorization` and `Content-Type` allowed, no cookies). Exact origins only, no wildcard. Unset, no CORS headers: browsers block other origins. Sockets are not affected (their token authenticates them).',
    example: 'https://crm.example.com,http://localhost:5173',
    defaultText: 'unset',
  }),
};

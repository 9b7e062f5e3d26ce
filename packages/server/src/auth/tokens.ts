import { randomUUID } from 'node:crypto';
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from 'jose';
// zod/mini like config-option.ts: `newton token` loads this file and must start fast (issue #14).
import * as z from 'zod/mini';
// core/auth.js, not the index: the index's chunk holds WhatsApp's number rules, which `newton token`
// never needs (~10 ms of its start, issue #14).
import {
  AuthError,
  type Principal,
  type PrincipalGate,
  type Role,
  type TokenVerifier,
} from '../core/auth.js';
import { loadOrCreateSecret } from './secret.js';

const id = () => z.string().check(z.minLength(1), z.maxLength(200));
const Claims = z
  .object({
    sub: id(),
    tenant_id: z.optional(id()),
    tenants: z.optional(z.array(id()).check(z.maxLength(1000))),
    role: z._default(z.enum(['agent', 'admin']), 'agent'),
    exp: z.number(),
  })
  .check(
    z.refine((c) => c.tenant_id !== undefined || (c.tenants?.length ?? 0) > 0, {
      message: 'the token names no tenant (tenant_id or tenants)',
    }),
  );

/** Seconds of clock skew accepted on exp/nbf. */
const CLOCK_TOLERANCE_S = 5;
const MAX_TOKEN_CHARS = 8192;
/** Verified tokens remembered, so a reconnect storm does not verify 5,000 signatures again. */
const VERIFIED_CACHE_SIZE = 20_000;
/** A cached verification is trusted at most this long (a JWKS key rotation takes effect within it). */
const VERIFIED_CACHE_MS = 10 * 60_000;

export interface TokenOptions {
  dataDir: string;
  jwtSecret?: string | undefined;
  jwksUrl?: string | undefined;
}

/**
 * Verifies and issues JWTs (docs/auth.md): HS256 with the server's secret,
 * RS256/ES256 against JWKS_URL when set. `alg: none` and any other algorithm
 * are refused by construction (jose checks the allow-list).
 */
export class TokenService implements TokenVerifier {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: JWTVerifyGetKey | undefined;
  /** token → principal and until when the cached answer holds (epoch ms); insertion-ordered for eviction. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  /** The users' check (disabled users, stored roles), applied on every verify (#15). */
  private gate: PrincipalGate | undefined;

  constructor(opts: TokenOptions) {
    this.jwks = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined;
    const secret = opts.jwtSecret ?? (this.jwks ? undefined : loadOrCreateSecret(opts.dataDir));
    this.secret = secret ? new TextEncoder().encode(secret) : undefined;
  }

  /** Installs the users' check every verified principal then goes through. */
  setGate(gate: PrincipalGate | undefined): void {
    this.gate = gate;
  }

  async verify(token: string | undefined | null): Promise<Principal> {
    const principal = await this.verifySigned(token);
    return this.gate ? this.gate(principal) : principal;
  }

  private async verifySigned(token: string | undefined | null): Promise<Principal> {
    if (!token) throw new AuthError('unauthorized', 'no token');
    if (token.length > MAX_TOKEN_CHARS) throw new AuthError('unauthorized', 'token too long');
    const hit = this.verified.get(token);
    if (hit) {
      // Keyed by the whole token, signature included: only a byte-identical token hits.
      if (Date.now() < hit.until) return hit.principal;
      this.verified.delete(token);
    }
    const principal = await this.verifyFully(token);
    this.remember(token, principal);
    return principal;
  }

  private remember(token: string, principal: Principal): void {
    // Past exp (minus the tolerance jose allows) the token must be refused again as expired.
    const until = Math.min(principal.exp * 1000, Date.now() + VERIFIED_CACHE_MS);
    if (until <= Date.now()) return;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { principal, until });
  }

  private async verifyFully(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      payload = await this.verifySignature(token);
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthError('token_expired', 'token expired');
      if (err instanceof AuthError) throw err;
      const code = (err as { code?: string }).code ?? 'invalid';
      throw new AuthError('unauthorized', `token rejected (${code})`);
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) {
      throw new AuthError('unauthorized', `token claims invalid: ${claims.error.issues[0]?.message}`);
    }
    const c = claims.data;
    const tenants = [...new Set([...(c.tenant_id ? [c.tenant_id] : []), ...(c.tenants ?? [])])];
    return { userId: c.sub, tenants, role: c.role, exp: c.exp };
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const header = decodeHeader(token);
    const base = { requiredClaims: ['exp', 'sub'], clockTolerance: CLOCK_TOLERANCE_S };
    if (header.alg === 'HS256' && this.secret) {
      return (await jwtVerify(token, this.secret, { ...base, algorithms: ['HS256'] })).payload;
    }
    if ((header.alg === 'RS256' || header.alg === 'ES256') && this.jwks) {
      return (await jwtVerify(token, this.jwks, { ...base, algorithms: ['RS256', 'ES256'] })).payload;
    }
    throw new AuthError('unauthorized', `algorithm ${String(header.alg)} not accepted`);
  }

  /** True when this server can mint tokens (it holds an HS256 secret). */
  get canIssue(): boolean {
    return this.secret !== undefined;
  }

  /** Mints an HS256 token; `ttlSeconds` from now. */
  async issue(opts: {
    tenants: string[];
    userId?: string;
    role?: Role;
    ttlSeconds: number;
  }): Promise<string> {
    if (!this.secret) throw new Error('no JWT secret: set JWT_SECRET to issue tokens');
    const [first, ...rest] = opts.tenants;
    const claims: Record<string, unknown> = { role: opts.role ?? 'agent' };
    if (rest.length === 0) claims.tenant_id = first;
    else claims.tenants = opts.tenants;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(opts.userId ?? `user-${randomUUID().slice(0, 8)}`)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + opts.ttlSeconds)
      .sign(this.secret);
  }
}

function decodeHeader(token: string): { alg?: unknown } {
  const dot = token.indexOf('.');
  if (dot <= 0) throw new AuthError('unauthorized', 'malformed token');
  try {
    return JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch {
    throw new AuthError('unauthorized', 'malformed token header');
  }
}

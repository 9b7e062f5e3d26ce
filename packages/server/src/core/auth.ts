/**
 * Who a request or socket speaks for, and the one way a layer checks a token.
 * The auth folder implements TokenVerifier (JWT, HS256 or JWKS); the gateway
 * and the HTTP routes only see these types.
 */

export type Role = 'agent' | 'admin';

/** Who a verified token speaks for. */
export interface Principal {
  userId: string;
  tenants: string[];
  role: Role;
  /** Expiry, epoch seconds. */
  exp: number;
}

export type AuthFailure = 'unauthorized' | 'token_expired' | 'user_disabled';

/**
 * Checks a verified principal against what the deployment knows of its
 * users (#15): resolves with the principal as it may act (tenants where its
 * user is disabled left out, the stored role for known users), rejects with
 * AuthError `user_disabled` when no tenant is left. Runs on every use of a
 * token, after the signature cache.
 */
export type PrincipalGate = (principal: Principal) => Promise<Principal>;

/** A token refused; `reason` is what the caller reports (a close reason, an error code). */
export class AuthError extends Error {
  constructor(
    readonly reason: AuthFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Checks a bearer token. */
export interface TokenVerifier {
  /** The token's principal; rejects with AuthError when the token is missing, invalid or expired. */
  verify(token: string | null): Promise<Principal>;
}

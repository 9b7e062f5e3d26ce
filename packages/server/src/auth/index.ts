/**
 * Public face of auth: Newton's tokens (HS256 secrets, JWKS) and the inbox's
 * one-time sign-in codes. The principal and the verifier interface the
 * gateway uses live in core (core/auth.ts); they are re-exported here.
 */

export { AuthError } from '../core/auth.js';
export type { AuthFailure, Principal, Role, TokenVerifier } from '../core/index.js';
export { LOGIN_CODE_TTL_MS, LoginCodes } from './login-codes.js';
export { loadOrCreateSecret } from './secret.js';
export type { TokenOptions } from './tokens.js';
export { TokenService } from './tokens.js';

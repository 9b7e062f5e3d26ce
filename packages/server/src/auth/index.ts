export type { AuthFailure, Principal, Role, TokenVerifier } from '../core/index.js';
export { AuthError } from '../core/index.js';
export { loadOrCreateSecret } from './secret.js';
export type { TokenOptions } from './tokens.js';
export { TokenService } from './tokens.js';

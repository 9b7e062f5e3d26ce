export { loadOrCreateSecret } from './secret.js';
export type { AuthFailure, Principal, Role, TokenOptions } from './tokens.js';
export { AuthError, TokenService } from './tokens.js';

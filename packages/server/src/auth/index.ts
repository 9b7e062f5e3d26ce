export { LOGIN_CODE_TTL_MS, LoginCodes } from './login-codes.js';
export { loadOrCreateSecret } from './secret.js';
export type { AuthFailure, Principal, Role, TokenOptions } from './tokens.js';
export { AuthError, TokenService } from './tokens.js';

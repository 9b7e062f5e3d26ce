/**
 * WebSocket close codes Newton uses. 1xxx are RFC 6455 codes; 4xxx are
 * Newton's own, modelled on HTTP statuses so a client can tell an auth refusal
 * from a network failure (docs/protocol.md §3).
 */
export const CloseCode = {
  /** Normal closure (the client or server is done). */
  NORMAL: 1000,
  /** Server going away without restart intent. */
  GOING_AWAY: 1001,
  /** A frame over the size limit (RFC 6455 §7.4.1, "message too big"). */
  MESSAGE_TOO_BIG: 1009,
  /** The server failed mid-resume (event log unreadable): reconnect and resume with `since`. */
  INTERNAL_ERROR: 1011,
  /** Server restarting: reconnect promptly (to any node) and resume with `since`. */
  SERVICE_RESTART: 1012,
  /** The socket's unsent buffer passed its limit; reconnect and resume with `since`. */
  SLOW_CONSUMER: 4008,
  /**
   * Missing, malformed, badly signed or expired token, or its user was
   * disabled (#15). Reason: `unauthorized` | `token_expired` | `user_disabled`.
   */
  UNAUTHORIZED: 4401,
  /** Valid token, but the path's tenant is not in it. Reason: `forbidden`. */
  FORBIDDEN: 4403,
  /** The tenant in the path does not exist. Reason: `unknown_tenant`. */
  UNKNOWN_TENANT: 4404,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

export const CloseReason = {
  UNAUTHORIZED: 'unauthorized',
  TOKEN_EXPIRED: 'token_expired',
  /** The token's user (`sub`) is disabled in the tenant (#15): do not reconnect with it. */
  USER_DISABLED: 'user_disabled',
  FORBIDDEN: 'forbidden',
  UNKNOWN_TENANT: 'unknown_tenant',
  SERVICE_RESTART: 'service_restart',
  SLOW_CONSUMER: 'slow_consumer',
  RESUME_FAILED: 'resume_failed',
} as const;

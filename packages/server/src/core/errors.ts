/**
 * Every error Newton reports over HTTP comes from this table: a stable `code`
 * callers branch on, the HTTP status, and a default message.
 */
export const ErrorTable = {
  NEWTON_ERR_UNAUTHORIZED: { status: 401, code: 'unauthorized', message: 'missing or invalid token' },
  NEWTON_ERR_TOKEN_EXPIRED: { status: 401, code: 'token_expired', message: 'the token has expired' },
  NEWTON_ERR_FORBIDDEN: { status: 403, code: 'forbidden', message: 'not allowed for this token' },
  NEWTON_ERR_USER_DISABLED: {
    status: 401,
    code: 'user_disabled',
    message: 'the user this token names is disabled',
  },
  NEWTON_ERR_ASSIGN_FORBIDDEN: {
    status: 403,
    code: 'assign_forbidden',
    message: 'an agent can assign a conversation only to themself (admins assign anyone)',
  },
  NEWTON_ERR_UNKNOWN_ASSIGNEE: {
    status: 422,
    code: 'unknown_assignee',
    message: 'the assignee is not an enabled user of this tenant',
  },
  NEWTON_ERR_USER_EXISTS: { status: 409, code: 'user_exists', message: 'a user with this id already exists' },
  NEWTON_ERR_TENANT_REQUIRED: {
    status: 400,
    code: 'tenant_required',
    message: 'the token names several tenants: choose one with the X-Tenant-Id header',
  },
  NEWTON_ERR_NOT_FOUND: { status: 404, code: 'not_found', message: 'not found' },
  NEWTON_ERR_INVALID_REQUEST: { status: 400, code: 'invalid_request', message: 'invalid request' },
  NEWTON_ERR_INVALID_JSON: { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' },
  NEWTON_ERR_INVALID_CURSOR: { status: 400, code: 'invalid_cursor', message: 'cursor is not valid' },
  NEWTON_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'send application/json',
  },
  NEWTON_ERR_PAYLOAD_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'the body is too large' },
  NEWTON_ERR_WEBHOOK_INVALID: {
    status: 400,
    code: 'invalid_webhook',
    message: 'the webhook does not have the shape the provider sends',
  },
  NEWTON_ERR_WEBHOOK_UNAUTHORIZED: {
    status: 401,
    code: 'webhook_unauthorized',
    message: 'the webhook did not carry the instance credentials',
  },
  NEWTON_ERR_REPLY_WINDOW_CLOSED: {
    status: 409,
    code: 'reply_window_closed',
    message: 'outside the 24-hour customer-service window only template messages can be sent',
  },
  NEWTON_ERR_MEDIA_TOO_LARGE: {
    status: 413,
    code: 'media_too_large',
    message: 'the media is larger than MEDIA_MAX_BYTES',
  },
  NEWTON_ERR_MEDIA_UNAVAILABLE: {
    status: 502,
    code: 'media_unavailable',
    message: 'the provider could not supply the media',
  },
  NEWTON_ERR_RANGE_NOT_SATISFIABLE: {
    status: 416,
    code: 'range_not_satisfiable',
    message: 'the requested range lies outside the media (see Content-Range for its size)',
  },
  NEWTON_ERR_CANNOT_REPLY: {
    status: 409,
    code: 'cannot_reply',
    message: 'the provider does not accept a reply in this conversation',
  },
  NEWTON_ERR_SEND_NOT_CONFIGURED: {
    status: 422,
    code: 'send_not_configured',
    message: "the conversation's instance is not configured for sending",
  },
  NEWTON_ERR_CLIENT_ID_CONFLICT: {
    status: 409,
    code: 'client_id_conflict',
    message: 'this client_id was already used for a message in another conversation',
  },
  NEWTON_ERR_MEDIA_TYPE_MISMATCH: {
    status: 422,
    code: 'media_type_mismatch',
    message: "the file's content does not match its declared type",
  },
  NEWTON_ERR_TEMPLATES_UNAVAILABLE: {
    status: 409,
    code: 'templates_unavailable',
    message:
      'this number has no message templates (Cloud API numbers with a known WhatsApp Business Account only)',
  },
  NEWTON_ERR_TEMPLATE_NOT_FOUND: {
    status: 422,
    code: 'template_not_found',
    message: 'no approved template of this name and language on the number',
  },
  NEWTON_ERR_TENANT_EXISTS: { status: 409, code: 'tenant_exists', message: 'this tenant already exists' },
  NEWTON_ERR_INSTANCE_EXISTS: {
    status: 409,
    code: 'instance_exists',
    message: 'an instance of this provider with this name is already configured',
  },
  NEWTON_ERR_INSTANCE_IN_USE: {
    status: 409,
    code: 'instance_in_use',
    message: 'the instance still has conversations or messages: remove it with purge=true to delete them too',
  },
  NEWTON_ERR_NUMBER_IN_USE: {
    status: 409,
    code: 'number_in_use',
    message: "another tenant's instance already has this number (allow_shared: true to add it anyway)",
  },
  NEWTON_ERR_PUBLIC_URL_MISSING: {
    status: 422,
    code: 'public_url_missing',
    message: 'PUBLIC_URL is not set, so Newton cannot tell the provider where to post',
  },
  NEWTON_ERR_WEBHOOK_NOT_CONFIGURABLE: {
    status: 422,
    code: 'webhook_not_configurable',
    message: "Newton cannot read or set this instance's webhook (a Cloud API number, or no Evolution URL)",
  },
  NEWTON_ERR_PROVIDER_FAILED: {
    status: 502,
    code: 'provider_failed',
    message: 'the provider could not be asked, or refused',
  },
  NEWTON_ERR_NOT_FAILED: { status: 409, code: 'not_failed', message: 'only a failed reply can be retried' },
  NEWTON_ERR_INVALID_LOGIN_CODE: {
    status: 400,
    code: 'invalid_login_code',
    message: 'this sign-in link was already used or has expired',
  },
  NEWTON_ERR_LOGIN_TENANT_UNCLEAR: {
    status: 409,
    code: 'login_tenant_unclear',
    message: 'the sign-in link names no tenant and there is not exactly one',
  },
  NEWTON_ERR_BACKFILL_BUSY: {
    status: 409,
    code: 'backfill_busy',
    message: 'another node is backfilling this tenant (see `holder`); try again when it is done',
  },
  NEWTON_ERR_BACKFILL_NOT_CONFIGURED: {
    status: 422,
    code: 'backfill_not_configured',
    message: 'only Evolution instances with a URL and an API key can be backfilled',
  },
  NEWTON_ERR_BACKFILL_FAILED: {
    status: 502,
    code: 'backfill_failed',
    message: 'the provider could not be read (see `summary.error`)',
  },
  NEWTON_ERR_UNKNOWN_LABEL: {
    status: 422,
    code: 'unknown_label',
    message: 'the tenant has no label with this id',
  },
  NEWTON_ERR_LABEL_EXISTS: {
    status: 409,
    code: 'label_exists',
    message: 'the tenant already has a label with this name',
  },
  NEWTON_ERR_LABEL_LIMIT: {
    status: 409,
    code: 'label_limit',
    message: 'the tenant has as many labels as it may have (200)',
  },
  NEWTON_ERR_NOT_READY: { status: 503, code: 'not_ready', message: 'not ready' },
  // Start-up failures (`newton start` prints one line with the fix and exits 1; status unused).
  NEWTON_ERR_CONFIG: { status: 500, code: 'config_invalid', message: 'the configuration is invalid' },
  NEWTON_ERR_PORT_IN_USE: { status: 503, code: 'port_in_use', message: 'the port is in use' },
  NEWTON_ERR_PORT_DENIED: { status: 503, code: 'port_denied', message: 'the port needs privileges' },
  NEWTON_ERR_HOST_UNAVAILABLE: {
    status: 503,
    code: 'host_unavailable',
    message: 'HOST is not an address here',
  },
  NEWTON_ERR_DATABASE_MISSING: {
    status: 503,
    code: 'database_missing',
    message: 'the database does not exist',
  },
  NEWTON_ERR_DATABASE_UNREACHABLE: {
    status: 503,
    code: 'database_unreachable',
    message: 'the database cannot be reached',
  },
  NEWTON_ERR_DATABASE_LOGIN: {
    status: 503,
    code: 'database_login',
    message: 'the database refused the login',
  },
  NEWTON_ERR_DATA_DIR: { status: 503, code: 'data_dir_unusable', message: 'DATA_DIR cannot be used' },
  NEWTON_ERR_INTERNAL: { status: 500, code: 'internal', message: 'internal error' },
} as const;

export type ErrorName = keyof typeof ErrorTable;

export class NewtonError extends Error {
  readonly code: string;
  readonly statusCode: number;
  constructor(
    readonly name_: ErrorName,
    message?: string,
    readonly details?: Record<string, unknown>,
  ) {
    const entry = ErrorTable[name_];
    super(message ?? entry.message);
    this.code = entry.code;
    this.statusCode = entry.status;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...(this.details ?? {}) };
  }
}

export function newtonError(
  name: ErrorName,
  message?: string,
  details?: Record<string, unknown>,
): NewtonError {
  return new NewtonError(name, message, details);
}

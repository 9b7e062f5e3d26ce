import { createRequire } from 'node:module';
import type pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** Paths whose values are secrets: never written to a log. */
const REDACT = [
  'token',
  'apikey',
  'secret',
  '*.token',
  '*.apikey',
  '*.secret',
  '*.webhookSecret',
  '*.appSecret',
  '*.verifyToken',
  '*.accessToken',
  '*.app_secret',
  '*.verify_token',
  '*.access_token',
  'req.headers["x-hub-signature-256"]',
  'req.headers.authorization',
  'req.headers.apikey',
  'req.headers.cookie',
];

/** Removes credentials from a URL before it is logged (`?token=` carries JWTs and webhook secrets). */
export function redactUrl(url: string): string {
  // Stops at a quote too, so that a URL inside a JSON text keeps the rest of the text.
  return url.replace(/([?&](?:token|apikey|access_token|hub\.verify_token)=)[^&#"\s]*/gi, '$1[redacted]');
}

/**
 * pino loads on the first logger, not when `core` is imported: short CLI commands that never log
 * (`newton token`) start ~0.1 s sooner without it. pino is CommonJS, so a synchronous require does.
 */
function loadPino(): typeof pino {
  return createRequire(import.meta.url)('pino') as typeof pino;
}

/**
 * The node's logger. `destination` (tests) receives the lines instead of stdout.
 * @default destination stdout
 */
export function createLogger(level: string, nodeId: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { node: nodeId },
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      req(req: { method?: string; url?: string; ip?: string; id?: string }) {
        return { method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip, id: req.id };
      },
    },
  };
  const create = loadPino();
  return destination ? create(options, destination) : create(options);
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/**
 * `logger.child(bindings)`, made only when a line is written. A pino child
 * serialises (and redacts) its bindings when created, which every webhook
 * paid twice at `LOG_LEVEL=warn` for lines never written (#16). A call at a
 * level that is off is a no-op and creates nothing.
 *
 * @example
 * const log = lazyChild(logger, { trace, tenant });
 * log.info('message stored'); // no child created at LOG_LEVEL=warn
 */
export function lazyChild(logger: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const made = (): Logger => {
    child ??= logger.child(bindings);
    return child;
  };
  return new Proxy(logger, {
    get(_target, prop) {
      if (typeof prop === 'string' && LEVELS.has(prop) && !logger.isLevelEnabled(prop)) return noop;
      const real = made();
      const value = Reflect.get(real, prop, real) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
    },
  });
}

function noop(): void {}

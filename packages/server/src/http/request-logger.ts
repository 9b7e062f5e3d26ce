import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Logger } from '../core/index.js';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Bindings = Record<string, unknown>;
type Line = (...args: unknown[]) => void;
type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

/**
 * A request's logger (`request.log`, `reply.log`) whose pino child is made at
 * its first line at an enabled level. Fastify makes a child per request to
 * bind `reqId`, and pino serialises (and redacts) the bindings when the child
 * is made: about 1 % of a webhook's CPU at `LOG_LEVEL=warn`, where a request
 * that succeeds writes nothing (#16, docs/benchmarks.md). Once made, the
 * child answers everything, so a level set on one request stays its own.
 * Fastify checks a logger by its methods, so they are real methods here (a
 * Proxy would be asked for `error` and `warn`, and make the child).
 */
class RequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.child0().level = level;
  }

  fatal(...args: unknown[]): void {
    this.line('fatal', args);
  }
  error(...args: unknown[]): void {
    this.line('error', args);
  }
  warn(...args: unknown[]): void {
    this.line('warn', args);
  }
  info(...args: unknown[]): void {
    this.line('info', args);
  }
  debug(...args: unknown[]): void {
    this.line('debug', args);
  }
  trace(...args: unknown[]): void {
    this.line('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: Parameters<FastifyBaseLogger['child']>[1]): FastifyBaseLogger {
    return this.child0().child(bindings, options);
  }

  private line(level: Level, args: unknown[]): void {
    if (!this.made && !this.parent.isLevelEnabled(level)) return;
    (this.child0()[level] as unknown as Line)(...args);
  }

  private child0(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings) as FastifyBaseLogger;
    return this.made;
  }
}

/**
 * Fastify's `childLoggerFactory`: a RequestLogger, or pino's own child when
 * the route sets a log level or serializers of its own.
 *
 * @example
 * Fastify({ loggerInstance: logger, childLoggerFactory: requestLoggerFactory });
 */
export const requestLoggerFactory: ChildLoggerFactory = (logger, bindings, opts) => {
  if (opts.level !== undefined || opts.serializers !== undefined) return logger.child(bindings, opts);
  return new RequestLogger(logger as Logger, bindings) as unknown as FastifyBaseLogger;
};

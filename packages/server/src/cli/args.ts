import { type ParseArgsConfig, parseArgs } from 'node:util';
import { tenantId as checkTenantId, InvalidValue } from '../core/index.js';

/** A mistake in how the command was called: message on stderr, exit code 2. */
export class UsageError extends Error {}

/** A command that was called right but could not be done: exit code 1. */
export class CommandError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing: unknown options and missing values are usage errors. */
export function parse<O extends Options>(
  argv: string[],
  options: O,
  positionals: { min: number; max: number; names: string },
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (n > positionals.max)
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`);
  return {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

/** The value of a string option, or undefined. */
export function str(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A required string option. */
export function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = str(values, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/**
 * Runs one of core's input rules on the value of `--<option>`: a refusal
 * becomes a usage error naming the option.
 */
export function option<T>(name: string, rule: () => T): T {
  try {
    return rule();
  } catch (err) {
    if (err instanceof InvalidValue) throw new UsageError(`--${name} ${err.message}`);
    throw err;
  }
}

/** The `<tenant_id>` argument. */
export function tenantId(value: string | undefined): string {
  if (!value) throw new UsageError('missing <tenant_id>');
  try {
    return checkTenantId(value);
  } catch (err) {
    if (err instanceof InvalidValue) throw new UsageError(err.message);
    throw err;
  }
}

/** `3600`, `90s`, `30m`, `12h`, `7d` → seconds. */
export function duration(value: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!m) throw new UsageError(`--ttl "${value}" is not a duration like 3600, 30m, 12h or 7d`);
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? ''] ?? 1;
  const seconds = n * unit;
  if (seconds <= 0 || seconds > 366 * 86400)
    throw new UsageError('--ttl must be between 1 second and 366 days');
  return seconds;
}

import { parseArgs } from 'node:util';
import { tenantId as checkTenantId, InvalidValue } from '../core/validation.js';
import { type CommandSpec, parserOptions } from './help/spec.js';

/** A mistake in how the command was called: message on stderr, exit code 2. */
export class UsageError extends Error {}

/** A command that was called right but could not be done: exit code 1. */
export class CommandError extends Error {}

/** Parsed option values by name. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * Strict parsing by the command's help table (cli/help): unknown options and
 * missing values are usage errors, and an option the table does not describe
 * cannot be accepted.
 */
export function parse(argv: string[], spec: CommandSpec): { values: Values; positionals: string[] } {
  const positionals = spec.args;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: parserOptions(spec), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (n > positionals.max)
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`);
  return {
    values: parsed.values as Values,
    positionals: parsed.positionals,
  };
}

/** The value of a string option, or undefined. */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A required string option. */
export function required(values: Values, name: string): string {
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

/** The `TENANT_ID` argument. */
export function tenantId(value: string | undefined): string {
  if (!value) throw new UsageError('missing TENANT_ID');
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

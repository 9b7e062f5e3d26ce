// zod/mini, not zod: the same schemas without classic zod's ~0.4 MB and its per-schema method
// binding, which cost `newton token` ~25 ms of its ≤ 150 ms start (issue #14).
import * as z from 'zod/mini';

/**
 * The building blocks of config-schema.ts (and of the sections kept in files
 * of their own, such as config-media.ts): declaring an option with its
 * documentation, and the parsers options share.
 */

/** How an option is read and documented, beside its schema. */
export interface OptionDoc {
  /** The environment variable the option is read from (an empty value counts as unset). */
  env: string;
  /** What the option does, in Markdown (one or two sentences). */
  description: string;
  /** A value an operator might set, as written in the environment. */
  example: string;
  /**
   * The default as the docs show it, when the schema's default says too little
   * or is computed at start.
   * @default the schema's default, or "unset" for an option without one
   * @example 'hostname:pid'
   */
  defaultText?: string;
}

/** Every option's {@link OptionDoc}, keyed by its schema. */
export const optionDocs = z.registry<OptionDoc>();

/**
 * Declares one option: `schema` validates the variable's text (and gives the
 * default), `doc` names the variable and documents it.
 * @example option(z.prefault(int(), 8080), { env: 'PORT', description: 'HTTP port.', example: '3000' })
 */
export function option<S extends z.ZodMiniType>(schema: S, doc: OptionDoc): S {
  optionDocs.add(schema, doc);
  return schema;
}

/** A whole number read from text, at least `min` (and at most `max`). */
export function int(min = 0, max?: number) {
  const checks = [
    z.int({ error: 'must be a whole number' }),
    z.minimum(min, { error: `must be at least ${min}` }),
    ...(max === undefined ? [] : [z.maximum(max, { error: `must be at most ${max}` })]),
  ];
  return z.coerce.number({ error: 'must be a whole number' }).check(...checks);
}

/** An option without a default: the field is `undefined` when the variable is unset. */
export function unset<S extends z.ZodMiniType>(schema: S) {
  return z.union([schema, z.undefined()]);
}

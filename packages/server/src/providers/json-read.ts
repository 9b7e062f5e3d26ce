/**
 * Small readers of untrusted webhook JSON, shared by the provider parsers:
 * each answers a typed value or null, never throws.
 */

export type Obj = Record<string, unknown>;

/** A plain object (not null, not an array). */
export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, else null. */
export function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A trimmed non-empty string, else null. */
export function trimmed(value: unknown): string | null {
  return typeof value === 'string' ? value.trim() || null : null;
}

/** A finite number from a number or a numeric string, else null. */
export function toFloat(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

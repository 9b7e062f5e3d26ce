/**
 * Input rules shared by every front door that configures Newton (the CLI and
 * the admin REST API), so that both accept and refuse exactly the same values.
 * A rule throws `InvalidValue` with a message about the value; the caller
 * names the field its own way (`--graph-url` on the CLI, `graph_url` in JSON).
 */
/** A value that breaks one of the rules below; `message` speaks of the value, not of the field. */
export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';
}

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A tenant id: 1–64 letters, digits, `_`, `.` or `-`, starting with a letter or digit. */
export function tenantId(value: string): string {
  if (!TENANT_ID.test(value)) {
    throw new InvalidValue(`tenant id "${value}" must be 1-64 letters, digits, "_", "." or "-"`);
  }
  return value;
}

/** An http(s) base URL (Evolution's server, a Graph API override). */
export function httpUrl(value: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(value)) throw new InvalidValue(`"${value}" is not an http(s) URL`);
  return value;
}

/** A Cloud API phone_number_id: the digits Meta shows for the number. */
export function phoneNumberId(value: string): string {
  if (!/^\d{1,64}$/.test(value))
    throw new InvalidValue(`"${value}" must be the digits Meta shows for the number`);
  return value;
}

/** Digits of a phone number given as `+57 300…`, `57300…` or a JID. */
export function phoneDigits(value: string): string {
  const d = value.split('@')[0]?.replace(/[\s+()-]/g, '') ?? '';
  if (!/^\d{7,15}$/.test(d)) throw new InvalidValue(`"${value}" is not a phone number (7-15 digits)`);
  return d;
}

const SINCE_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The start of a backfill window: a duration back from `now` (`90s`, `30m`,
 * `2h`, `1d`) or an ISO-8601 time in the past (`2026-05-01T08:00:00Z`).
 * Returns epoch ms.
 */
export function backfillSince(value: string, now: number): number {
  const text = value.trim();
  const m = /^(\d{1,6})\s*([smhd])$/.exec(text);
  if (m) {
    const ms = Number(m[1]) * (SINCE_UNITS[m[2] as string] as number);
    if (ms <= 0) throw new InvalidValue(`"${value}" must be longer than 0`);
    return now - ms;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new InvalidValue(`"${value}" is not a valid ISO-8601 time`);
    if (at > now) throw new InvalidValue(`"${value}" is in the future`);
    return at;
  }
  throw new InvalidValue(
    `"${value.slice(0, 40)}" is not a duration like 90s, 30m, 2h or 1d, nor an ISO-8601 time like 2026-05-01T08:00:00Z`,
  );
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$/;

/** A user id (a token's `sub`): 1–128 letters, digits, `_ . @ + -`, starting with a letter or digit. */
export function userId(value: string): string {
  if (!USER_ID.test(value))
    throw new InvalidValue(`user id "${value}" must be 1-128 letters, digits, "_", ".", "@", "+" or "-"`);
  return value;
}

/** A user's display name: 1–100 characters once trimmed, no control characters. */
export function userName(value: string): string {
  const v = value.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (v.length === 0 || v.length > 100 || /[\u0000-\u001f\u007f]/.test(v))
    throw new InvalidValue(`name must be 1-100 characters without control characters`);
  return v;
}

/** An avatar colour: `#rrggbb`. */
export function userColor(value: string): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(value)) throw new InvalidValue(`colour "${value}" must be #rrggbb`);
  return value.toLowerCase();
}

/** An email address (loosely: something@domain, at most 254 characters). */
export function userEmail(value: string): string {
  if (value.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))
    throw new InvalidValue(`"${value}" is not an email address`);
  return value;
}

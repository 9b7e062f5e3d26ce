/**
 * Debug logging in the style CRM frontends already grep for
 * (`[WebSocket] Connecting to …`, `[WebSocket] Connected`,
 * `[WebSocket] 📨 Raw incoming data: …`). Off by default; never prints a token.
 */

/** Receives one log line (and optional details). */
export type DebugLogger = (line: string, ...details: unknown[]) => void;

/** A logger that does nothing, or the caller's, or `console.log`. */
export function createDebug(option: boolean | DebugLogger | undefined): DebugLogger | undefined {
  if (typeof option === 'function') return option;
  return option ? (line, ...details) => console.log(line, ...details) : undefined;
}

/** Replaces the value of a `token` query parameter with `[redacted]`. */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1[redacted]');
}

/** Prefixes lines with `[WebSocket]`; a no-op when debugging is off. */
export function logger(debug: DebugLogger | undefined): (line: string, ...details: unknown[]) => void {
  return debug ? (line, ...details) => debug(`[WebSocket] ${redactToken(line)}`, ...details) : () => {};
}

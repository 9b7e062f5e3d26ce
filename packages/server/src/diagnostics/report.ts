/**
 * Helpers to build the diagnostics report (its shape, a wire format, is
 * `DiagnosticsReport` in @newton/protocol).
 */
import type { Hop, HopStatus } from '@newton/protocol';

export function hop(
  id: string,
  title: string,
  status: HopStatus,
  detail: string,
  evidence: Record<string, unknown> = {},
  hint: string | null = null,
): Hop {
  return { id, title, ok: status !== 'fail', status, detail, evidence, hint };
}

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || ms <= 0 ? null : new Date(ms).toISOString();
}

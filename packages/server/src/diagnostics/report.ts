/**
 * The diagnostics report's shape: what `GET /api/admin/diagnostics`
 * answers, what `newton doctor` prints, and what the web inbox's Diagnostics
 * page reads. Additive changes only. Never carries a secret.
 */

export type HopStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Hop {
  id: string;
  title: string;
  /** False only for `fail`: `warn` and `skip` do not fail the report. */
  ok: boolean;
  status: HopStatus;
  /** One line. */
  detail: string;
  evidence: Record<string, unknown>;
  /** What to do about it (null when there is nothing to do). */
  hint: string | null;
}

export interface InstanceView {
  provider: string;
  name: string;
  number: string | null;
  apikey_set: boolean;
  webhook_secret_set: boolean;
}

export interface WebhookView {
  instance_name: string | null;
  count: number;
  last_at: string | null;
  outcomes: Record<string, number>;
}

export interface UnroutableView {
  received_at: string;
  provider: string;
  instance_name: string | null;
  outcome: string;
  reason: string | null;
  trace_id: string;
  /** The tenant it was routed to, when it was routed at all. */
  tenant_id: string | null;
}

export interface SocketView {
  node: string;
  count: number;
  users: string[];
  channels: Record<string, number>;
  last_frame_at: string | null;
}

export interface DiagnosticsReport {
  tenant_id: string;
  ok: boolean;
  checked_at: string;
  node: string;
  hops: Hop[];
  instances: InstanceView[];
  webhooks: WebhookView[];
  unroutable: UnroutableView[];
  bus: {
    kind: string;
    ok: boolean;
    round_trip_ms: number | null;
    error: string | null;
    nodes: string[];
  };
  sockets: SocketView[];
}

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

/**
 * The diagnostics report's shape: what `GET /api/admin/diagnostics`
 * answers, what `newton doctor` prints, and what the web inbox's Diagnostics
 * page reads; and the answer of `POST /api/admin/diagnostics/probe`.
 * Additive changes only. Never carries a secret.
 */
import type { InstanceState } from './events.js';

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

/** One node's sockets of the tenant. */
export interface SocketView {
  node: string;
  count: number;
  /** The distinct users (token `sub`) connected. */
  users: string[];
  /** Sockets subscribed to each channel. */
  channels: Record<string, number>;
  last_frame_at: string | null;
}

/** One thing the `upstream` hop found about an instance, with what to do about it. */
export interface UpstreamFinding {
  status: 'fail' | 'warn';
  /**
   * Stable code: `not_open` (the session is not connected), `state_unknown`,
   * a webhook problem (`not_set`, `disabled`, `wrong_url`, `missing_event`,
   * `unchecked`), `silent` (no webhook for far longer than usual),
   * `recovered` (backfill found messages the provider never posted).
   */
  code: string;
  detail: string;
  fix: string;
}

/** One instance as its provider sees it (the `upstream` hop's evidence). */
export interface UpstreamView {
  instance: string;
  provider: string;
  state: InstanceState;
  reason: string | null;
  /** ISO-8601 time the instance entered `state`. */
  since: string;
  /** `check`: asked the provider during this report; `recorded`: what Newton last heard. */
  state_source: 'check' | 'recorded';
  /** The provider's webhook settings; null when they were not checked (see `webhook_note`). */
  webhook: {
    ok: boolean;
    expected_url: string | null;
    url: string | null;
    enabled: boolean | null;
    events: string[];
    problems: { code: string; detail: string; event?: string; blocking: boolean }[];
  } | null;
  /** Why the webhook settings were not checked, when they were not. */
  webhook_note: string | null;
  last_webhook_at: string | null;
  /** The usual time between two webhooks of the instance over the window (median), when enough arrived. */
  usual_gap_ms: number | null;
  /** Messages backfill recovered in the window (the provider held them and never posted them). */
  recovered: number;
  findings: UpstreamFinding[];
}

export interface DiagnosticsReport {
  tenant_id: string;
  ok: boolean;
  checked_at: string;
  node: string;
  hops: Hop[];
  instances: InstanceView[];
  /** Each instance at its provider: session, webhook settings, traffic, recovered messages. */
  upstream: UpstreamView[];
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

/** `POST /api/admin/diagnostics/probe`: a synthetic webhook through the real path, and what became of it. */
export interface ProbeResult {
  ok: boolean;
  trace_id: string;
  instance: string | null;
  status: number | null;
  outcome: string | null;
  message_id: string | null;
  conversation_id: string | null;
  seq: number[];
  webhook_ms: number | null;
  node: string;
  reason?: string;
}

/**
 * Backfill's vocabulary (#12): what a run is asked, what it counts and
 * reports, its options, and why it may not run.
 */
import type { Instance } from '../core/index.js';

/** What started a run. */
export type BackfillTrigger = 'demand' | 'open' | 'start' | 'periodic' | 'silent';

export interface BackfillRequest {
  tenantId: string;
  /** One instance (id or Evolution instance name) of the tenant; every eligible one when absent. */
  instance?: string | undefined;
  /** Epoch ms; clipped to `until - maxWindowMs`. */
  since: number;
  /** Epoch ms. @default now */
  until?: number | undefined;
  /** @default 'demand' */
  trigger?: BackfillTrigger;
  /** Wait for another node's lease on the tenant to end (up to `leaseWaitMs`) instead of answering busy. */
  waitForLease?: boolean;
}

/** Counts of a run so far. */
export interface BackfillCounts {
  /** findMessages pages read. */
  pages: number;
  /** Records read in the window. */
  seen: number;
  /** Stored now: their webhook never came. */
  recovered: number;
  /** Newton had them already (a webhook, an earlier backfill, or a reply sent from the CRM). */
  already_had: number;
  /** Malformed records, each left as a `rejected` receipt. */
  invalid: number;
  /** Records that are not messages for an inbox (groups, protocol messages…), as webhooks of them are. */
  ignored: number;
  /** Instances whose run failed (the provider down, slow, refusing the key…). */
  errors: number;
}

export interface BackfillProgress extends BackfillCounts {
  /** The instance being read. */
  instance: string;
  page: number;
  /** Pages the provider reports for the instance's window. */
  of: number;
}

export interface BackfillSummary extends BackfillCounts {
  ok: boolean;
  tenant_id: string;
  /** The instance asked for, or null for all of the tenant's. */
  instance: string | null;
  /** Instance names read. */
  instances: string[];
  trigger: BackfillTrigger;
  /** ISO-8601 window actually read. */
  since: string;
  until: string;
  /** The first failure: stable `code` (`busy`, `unknown_tenant`, `unknown_instance`, `not_configured`, `stopped`, or a provider code such as `timeout`, `provider_unreachable`, `provider_unauthorized`). */
  error: { code: string; message: string; instance?: string } | null;
  /** The node holding the tenant's backfill lease, when `error.code` is `busy`. */
  holder?: string;
  /** Things the caller should know (a clipped window, instances skipped). */
  notices: string[];
  duration_ms: number;
}

export interface BackfillOptions {
  /** This node's id (the lease holder). */
  nodeId: string;
  /** Records per findMessages page. @default 100 */
  pageSize?: number;
  /** Messages per second at most, over a run; 0 for no limit. @default 5000 */
  rate?: number;
  /** Longest window a run reads; a longer request is clipped. @default 86400000 (24 h) */
  maxWindowMs?: number;
  /** Time limit of one findMessages request. @default 10000 */
  timeoutMs?: number;
  /** Lease time-to-live; renewed every third of it while running. @default 30000 */
  leaseTtlMs?: number;
  /** How long `waitForLease` waits for another node's run. @default 300000 */
  leaseWaitMs?: number;
  /** Clock. @default Date.now */
  now?: () => number;
}

/** Eligible for backfill: an Evolution instance Newton can ask (base URL and API key). */
export function canBackfill(i: Instance): boolean {
  return i.provider === 'evolution' && Boolean(i.baseUrl) && Boolean(i.apikey);
}

/** Counts of a run that read nothing yet. */
export function zero(): BackfillCounts {
  return { pages: 0, seen: 0, recovered: 0, already_had: 0, invalid: 0, ignored: 0, errors: 0 };
}

/** Why a run cannot start (`unknown_tenant`, `unknown_instance`, `not_configured`) or go on (`lease_lost`). */
export class BackfillError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

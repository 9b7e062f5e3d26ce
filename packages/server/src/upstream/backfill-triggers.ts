/**
 * When backfill runs by itself (#12), for every Evolution instance with a
 * URL and an API key:
 * - an instance comes back to `open` from another state: from when it left
 *   `open` (or its last webhook seen, whichever is earlier);
 * - the node starts: from the instance's last webhook seen (the lookback
 *   when none was ever seen);
 * - periodically (BACKFILL_INTERVAL_MS): the last BACKFILL_LOOKBACK_MS;
 * - in the same round, an `open` instance silent for unusually long: its
 *   last webhook is older than max(BACKFILL_SILENT_MIN_MS, 10 × its mean gap
 *   between webhooks over the last day, i.e. 10 × 24 h / its webhooks that
 *   day); it is read from its last webhook seen. An instance without
 *   webhooks that day is never judged silent.
 * Every window is clipped by the Backfiller (BACKFILL_MAX_WINDOW_MS). One
 * node per round does the periodic work (lease `backfill-round`); runs of a
 * tenant take its lease (backfill.ts).
 */
import type { InstanceStatusPayload } from '@newton/protocol';
import type { InstanceStateChange, Logger } from '../core/index.js';
import type { StateListener } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import type { Backfiller } from './backfill.js';
import { type BackfillRequest, canBackfill } from './backfill-types.js';

/** Read a little before the last webhook seen: it is noted at most every few seconds. */
const MARGIN_MS = 60_000;
const DAY_MS = 86_400_000;
/** Silent when quiet for this many times the instance's mean gap between webhooks. */
const SILENT_FACTOR = 10;

export interface BackfillTriggerOptions {
  nodeId: string;
  /** Periodic round interval; 0 turns the periodic and silent checks off. @default 300000 */
  intervalMs?: number;
  /** Window of the periodic round. @default 900000 */
  lookbackMs?: number;
  /** An open instance is silent after at least this long without a webhook. @default 600000 */
  silentMinMs?: number;
  /** Clock. @default Date.now */
  now?: () => number;
}

interface Source {
  onChange(listener: StateListener): void;
}

function epoch(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}

export class BackfillTriggers {
  private readonly o: Required<BackfillTriggerOptions>;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  /** Instance id → the end of the last window read for it (silent check: read only what was not). */
  private readonly covered = new Map<string, number>();

  constructor(
    private readonly backfiller: Backfiller,
    private readonly store: Store,
    states: Source,
    private readonly logger: Logger,
    opts: BackfillTriggerOptions,
  ) {
    this.o = { intervalMs: 300_000, lookbackMs: 900_000, silentMinMs: 600_000, now: Date.now, ...opts };
    states.onChange((change, previous, before) => this.onStateChange(change, previous, before));
  }

  /**
   * Lists the instances to backfill from their last webhook (the node just
   * started), reads them in the background, and starts the periodic rounds.
   * Resolves once the list is taken: an instance added later is not part of
   * the start backfill.
   */
  async start(): Promise<void> {
    const now = this.o.now();
    const targets = (await this.eligible()).map(({ status, tenantId }) => {
      const last = epoch(status.last_webhook_at);
      const since = last === null ? now - this.o.lookbackMs : last - MARGIN_MS;
      return { tenantId, instance: status.id, since, trigger: 'start' as const, waitForLease: true };
    });
    void (async () => {
      for (const req of targets) if (!this.stopped) await this.fire(req);
    })().catch((err) => this.logger.error({ err }, 'start backfill failed'));
    if (this.o.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.round ??= this.tick()
        .catch((err) => this.logger.error({ err }, 'periodic backfill failed'))
        .finally(() => {
          this.round = undefined;
        });
    }, this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * One periodic round: every eligible instance over the lookback, an
   * instance silent for unusually long from its last webhook seen.
   */
  async tick(): Promise<void> {
    const now = this.o.now();
    const held = await this.store.leases.acquire(
      'backfill-round',
      this.o.nodeId,
      this.o.intervalMs * 0.9,
      now,
    );
    if (!held || this.stopped) return;
    const eligible = await this.eligible();
    const gaps = await this.meanGaps(
      eligible.map((e) => e.tenantId),
      now,
    );
    for (const { status, tenantId } of eligible) {
      let since = now - this.o.lookbackMs;
      let trigger: BackfillRequest['trigger'] = 'periodic';
      const last = epoch(status.last_webhook_at);
      const gap = gaps.get(`${tenantId}:${status.name}`);
      if (status.state === 'open' && last !== null && gap !== undefined) {
        const threshold = Math.max(this.o.silentMinMs, SILENT_FACTOR * gap);
        const from = Math.max(last, this.covered.get(status.id) ?? 0) - MARGIN_MS;
        if (now - last > threshold && from < since) {
          since = from;
          trigger = 'silent';
          this.logger.info(
            { tenant: tenantId, instance: status.name, silent_ms: now - last, threshold_ms: threshold },
            'instance silent for unusually long: backfilling from its last webhook',
          );
        }
      }
      if (this.stopped) return;
      await this.fire({ tenantId, instance: status.id, since, until: now, trigger });
    }
  }

  /** Back to `open` from another state: read from when it left `open`. */
  private onStateChange(
    change: InstanceStateChange,
    previous: string | null,
    before: InstanceStatusPayload | undefined,
  ): void {
    if (change.state !== 'open' || previous === 'open' || this.stopped) return;
    void (async () => {
      const instance = await this.store.admin.getInstance(change.instanceId);
      if (!instance || !canBackfill(instance)) return;
      const now = this.o.now();
      const last = epoch(before?.last_webhook_at ?? null);
      // Known outage (close/connecting): since it began; never checked before: since the last webhook.
      const left = previous === 'close' || previous === 'connecting' ? epoch(before?.since ?? null) : null;
      const candidates = [left, last].filter((t): t is number => t !== null);
      const since = candidates.length > 0 ? Math.min(...candidates) - MARGIN_MS : now - this.o.lookbackMs;
      await this.fire({
        tenantId: change.tenantId,
        instance: instance.id,
        since,
        trigger: 'open',
        waitForLease: true,
      });
    })().catch((err) => this.logger.error({ err, instance_id: change.instanceId }, 'open backfill failed'));
  }

  private async fire(req: BackfillRequest): Promise<void> {
    // A periodic read waits for nothing: the next round comes soon.
    if ((req.trigger === 'periodic' || req.trigger === 'silent') && this.backfiller.busy) return;
    const summary = await this.backfiller.run(req);
    if (summary.ok && req.instance) this.covered.set(req.instance, Date.parse(summary.until));
  }

  /** Eligible instances (every tenant) with their state. */
  private async eligible(): Promise<{ status: InstanceStatusPayload; tenantId: string }[]> {
    const instances = (await this.store.admin.listInstances()).filter(canBackfill);
    const byId = new Map(instances.map((i) => [i.id, i]));
    const statuses = await this.store.instances.list();
    return statuses.flatMap((status) => {
      const i = byId.get(status.id);
      return i ? [{ status, tenantId: i.tenantId }] : [];
    });
  }

  /** `tenant:instance name` → mean gap between its webhooks over the last day (ms); absent without webhooks. */
  private async meanGaps(tenantIds: string[], now: number): Promise<Map<string, number>> {
    const webhooks = new Map<string, number>();
    for (const tenantId of new Set(tenantIds)) {
      for (const row of await this.store.receipts.outcomesByInstance(tenantId, now - DAY_MS)) {
        if (row.instanceName === null || row.outcome === 'backfilled') continue;
        const key = `${tenantId}:${row.instanceName}`;
        webhooks.set(key, (webhooks.get(key) ?? 0) + row.count);
      }
    }
    return new Map([...webhooks].map(([name, n]) => [name, DAY_MS / n]));
  }
}

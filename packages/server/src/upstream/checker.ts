/**
 * The periodic provider checks (#12): at start and every
 * UPSTREAM_CHECK_INTERVAL_MS (±20 % jitter) one node of the cluster, the
 * holder of the `upstream-checks` lease, asks the provider about every
 * instance it can reach and records each session state through the
 * InstanceStateSink (`source: 'check'`), which publishes `instance_status`
 * when it changed. A few instances at a time; nothing here is shared with the
 * webhook path, so a slow provider never delays a webhook.
 */
import { randomUUID } from 'node:crypto';
import type { InstanceStatusPayload } from '@newton/protocol';
import type { Instance, InstanceCheck, InstanceStateSink, Logger, UpstreamProbe } from '../core/index.js';
import type { Store } from '../store/index.js';

/** The lease one node holds while it runs the cycles. */
export const CHECK_LEASE = 'upstream-checks';

/** A timer the checker can be driven by (tests pass their own). */
export type SetTimer = (run: () => void, ms: number) => { clear(): void };

export interface UpstreamCheckerOptions {
  /** This node's id: the lease holder. */
  nodeId: string;
  /** UPSTREAM_CHECK_INTERVAL_MS; `0` schedules nothing (runOnce() still works). */
  intervalMs: number;
  /** UPSTREAM_CHECK_TIMEOUT_MS: bounds a cycle's length, and so the lease's. */
  timeoutMs: number;
  /**
   * Instances checked at the same time.
   * @default 4
   */
  concurrency?: number;
  /** @default Date.now */
  now?: () => number;
  /** @default Math.random */
  random?: () => number;
  /** @default setTimeout, unref'd */
  setTimer?: SetTimer;
}

export interface CycleResult {
  /** False when another node holds the lease (nothing was checked here). */
  ran: boolean;
  checked: number;
  /** Instances whose recorded state changed (an `instance_status` was published). */
  changed: number;
}

const defaultTimer: SetTimer = (run, ms) => {
  const t = setTimeout(run, ms);
  t.unref();
  return { clear: () => clearTimeout(t) };
};

/** Evolution instances with a base URL, and Cloud numbers with an access token. */
export function checkable(instance: Instance): boolean {
  return instance.provider === 'cloud' ? Boolean(instance.apikey) : Boolean(instance.baseUrl);
}

/**
 * Whether a check says more than Newton holds. The same state without a
 * reason of the check's own (or with the same reason) keeps what the
 * provider's webhooks said (`logged_out`, a quality note…); a Cloud number
 * Meta closed by an account webhook (`account_restricted`/`account_disabled`)
 * is not reopened by a phone-number read, which does not show such limits.
 */
export function adds(
  instance: Instance,
  found: InstanceCheck['connection'],
  held: InstanceStatusPayload,
): boolean {
  if (found.state === held.state) return found.reason !== null && found.reason !== held.reason;
  const accountClosed = held.reason === 'account_restricted' || held.reason === 'account_disabled';
  return !(instance.provider === 'cloud' && found.state === 'open' && accountClosed);
}

export class UpstreamChecker {
  private readonly last = new Map<string, InstanceCheck>();
  private readonly now: () => number;
  private readonly concurrency: number;
  private timer: { clear(): void } | undefined;
  private running: Promise<CycleResult> | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly store: Pick<Store, 'admin' | 'leases' | 'instances'>,
    private readonly probe: UpstreamProbe,
    private readonly sink: InstanceStateSink,
    private readonly log: Logger,
    private readonly opts: UpstreamCheckerOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
  }

  /** Runs a cycle now and then every interval (±20 %); nothing when the interval is 0. */
  start(): void {
    if (this.started || this.stopped || this.opts.intervalMs <= 0) return;
    this.started = true;
    this.loop();
  }

  /** The delay before the next cycle: the interval ±20 %. */
  nextDelay(): number {
    const jitter = 0.8 + 0.4 * (this.opts.random ?? Math.random)();
    return Math.round(this.opts.intervalMs * jitter);
  }

  /** What the last check of an instance found (on this node), if it was checked here. */
  lastCheck(instanceId: string): InstanceCheck | undefined {
    return this.last.get(instanceId);
  }

  /** Every instance's last check on this node. */
  lastChecks(): InstanceCheck[] {
    return [...this.last.values()];
  }

  /**
   * One cycle, if this node gets (or holds) the lease. A call while a cycle
   * runs joins it. Never rejects.
   */
  runOnce(): Promise<CycleResult> {
    this.running ??= this.cycle()
      .catch((err) => {
        this.log.error({ err }, 'upstream check cycle failed');
        return { ran: false, checked: 0, changed: 0 };
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the timer, waits for a running cycle (each call is bounded by the timeout) and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.clear();
    await this.running;
    await this.store.leases.release(CHECK_LEASE, this.opts.nodeId).catch(() => {});
  }

  private loop(): void {
    if (this.stopped) return;
    void this.runOnce().finally(() => {
      if (!this.stopped)
        this.timer = (this.opts.setTimer ?? defaultTimer)(() => this.loop(), this.nextDelay());
    });
  }

  private async cycle(): Promise<CycleResult> {
    const instances = (await this.store.admin.listInstances()).filter(checkable);
    // Long enough for the slowest cycle, so that no second node starts while this one runs.
    const rounds = Math.ceil(instances.length / this.concurrency);
    const ttl = Math.max(2 * this.opts.intervalMs, rounds * this.opts.timeoutMs + 10_000);
    if (!(await this.store.leases.acquire(CHECK_LEASE, this.opts.nodeId, ttl, this.now()))) {
      return { ran: false, checked: 0, changed: 0 };
    }
    const ids = new Set(instances.map((i) => i.id));
    for (const id of this.last.keys()) if (!ids.has(id)) this.last.delete(id);
    const trace = `check-${randomUUID()}`;
    let checked = 0;
    let changed = 0;
    const queue = [...instances];
    const worker = async () => {
      for (let i = queue.shift(); i && !this.stopped; i = queue.shift()) {
        if (await this.checkOne(i, trace)) changed++;
        checked++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    this.log.debug({ trace, checked, changed }, 'upstream checks done');
    return { ran: true, checked, changed };
  }

  /** Checks one instance and records its state; true when the state changed. */
  private async checkOne(instance: Instance, trace: string): Promise<boolean> {
    const check = await this.probe.check(instance);
    this.last.set(instance.id, check);
    if (this.stopped) return false;
    const { state, reason, detail } = check.connection;
    try {
      const held = this.sink.current
        ? await this.sink.current(instance.id)
        : await this.store.instances.get(instance.id);
      if (held && !adds(instance, check.connection, held)) return false;
      const out = await this.sink.record(
        {
          tenantId: instance.tenantId,
          instanceId: instance.id,
          state,
          reason,
          detail,
          at: check.checkedAt,
          source: 'check',
        },
        trace,
      );
      return out.outcome === 'changed';
    } catch (err) {
      this.log.warn({ err, instance: instance.name, trace }, 'could not record an instance check');
      return false;
    }
  }
}

/**
 * Reopens snoozed conversations when their `snoozed_until` passes (#15).
 * Every node runs one; the store re-reads each due conversation under its
 * tenant's lock, so however many nodes sweep at once, one reopens it and
 * appends its one `conversation_updated`.
 */
import { randomUUID } from 'node:crypto';
import type { EventBus, Logger } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

/** How often each node looks for snoozes that fell due. */
export const SNOOZE_SWEEP_MS = 5_000;

export class SnoozeSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly intervalMs = SNOOZE_SWEEP_MS,
  ) {}

  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    const tick = () => {
      this.sweep().catch((err) => this.logger.warn({ err }, 'snooze sweep failed'));
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
  }

  /** Reopens what is due now; returns how many this node reopened. Overlapping calls share one run. */
  sweep(now = Date.now()): Promise<number> {
    this.running ??= this.run(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(now: number): Promise<number> {
    const reopened = await this.store.conversationStatus.reopenDue(now);
    for (const r of reopened) {
      const traceId = randomUUID();
      const log = this.logger.child({
        trace: traceId,
        tenant: r.tenantId,
        conversation_id: r.conversationId,
      });
      log.info({ seq: r.events.map((e) => e.seq) }, 'snooze over: conversation reopened');
      await publishCommitted(this.bus, r.events, traceId, log);
    }
    return reopened.length;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }
}

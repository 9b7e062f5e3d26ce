import type { InstanceStatusPayload } from '@newton/protocol';
import type {
  EventBus,
  InstanceStateChange,
  InstanceStateOutcome,
  InstanceStateSink,
  Logger,
} from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

/**
 * Called after an instance's state changed (e.g. back to `open` → backfill),
 * with the state before and the instance as it was before the change (its
 * `since` is when that state began).
 */
export type StateListener = (
  change: InstanceStateChange,
  previous: string | null,
  before: InstanceStatusPayload | undefined,
) => void;

/**
 * Applies what providers (and Newton's checks) say of instances' WhatsApp
 * sessions: a changed state is stored with its `instance_status` event, then
 * published; listeners hear of every change (backfill runs when a number
 * comes back to `open`).
 */
export class InstanceStateApplier implements InstanceStateSink {
  private readonly listeners: StateListener[] = [];

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  onChange(listener: StateListener): void {
    this.listeners.push(listener);
  }

  async record(change: InstanceStateChange, traceId: string): Promise<InstanceStateOutcome> {
    const log = this.logger.child({ trace: traceId, tenant: change.tenantId });
    const result = await this.store.instances.record(change);
    if (result.outcome === 'unknown_instance') return result;
    if (result.outcome === 'unchanged') return { outcome: 'unchanged', status: result.status };
    const { status, before } = result;
    const seq = result.events.map((e) => e.seq);
    log.info(
      { instance: status.name, state: status.state, reason: status.reason, source: change.source, seq },
      'instance state changed',
    );
    await publishCommitted(this.bus, result.events, traceId, log);
    for (const listener of this.listeners) {
      try {
        listener(change, before.state, before);
      } catch (err) {
        log.error({ err }, 'instance state listener failed');
      }
    }
    return { outcome: 'changed', status, seq: seq[0] ?? 0 };
  }

  current(instanceId: string): Promise<InstanceStatusPayload | undefined> {
    return this.store.instances.get(instanceId);
  }

  webhookSeen(instanceId: string, at: number): void {
    this.store.instances.touchWebhook(instanceId, at).catch((err) => {
      this.logger.warn({ err, instance_id: instanceId }, 'could not note the webhook time');
    });
  }
}

import type { EventBus, Logger, TenantEvent } from '../core/index.js';

/**
 * Publishes events that are already committed to the log. A bus failure is
 * only logged: every node catches up from the event log.
 */
export async function publishCommitted(
  bus: EventBus,
  events: TenantEvent[],
  traceId: string,
  log: Logger,
): Promise<void> {
  if (events.length === 0) return;
  const seqs = events.map((e) => e.seq);
  try {
    await bus.publish(events, { traceId });
    log.info({ seq: seqs, bus: bus.kind }, 'events published');
  } catch (err) {
    log.warn({ err, seq: seqs }, 'publish failed: nodes will catch up from the event log');
  }
}

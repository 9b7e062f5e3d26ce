import type { EventBus } from '../bus/index.js';
import type { Logger } from '../logger.js';
import type { AppendedEvent } from '../store/index.js';

/**
 * Publishes events that are already committed to the log. A bus failure is
 * only logged: every node catches up from the event log.
 */
export async function publishCommitted(
  bus: EventBus,
  events: AppendedEvent[],
  traceId: string,
  log: Logger,
): Promise<void> {
  if (events.length === 0) return;
  for (const e of events) e.traceId = traceId;
  const seqs = events.map((e) => e.seq);
  try {
    await bus.publish(events);
    log.info({ seq: seqs, bus: bus.kind }, 'events published');
  } catch (err) {
    log.warn({ err, seq: seqs }, 'publish failed: nodes will catch up from the event log');
  }
}

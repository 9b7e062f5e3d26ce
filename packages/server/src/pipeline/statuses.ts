import type { EventBus, Logger, StatusOutcome, StatusSink, StatusUpdate } from '../core/index.js';
import { lazyChild } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

/**
 * Applies delivery statuses reported by any provider webhook (Evolution
 * `messages.update`, Cloud API `statuses[]`): forward-only update and its
 * `message_status` event in one transaction, then publish.
 */
export class StatusApplier implements StatusSink {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async apply(update: StatusUpdate, traceId: string): Promise<StatusOutcome> {
    const log = lazyChild(this.logger, { trace: traceId, tenant: update.tenantId });
    const result = await this.store.inbound.status(update);
    const fields = { provider_message_id: update.providerMessageId, status: update.status };
    if (result.outcome === 'deferred') {
      log.info(fields, 'status for a message not known yet: kept until it arrives');
      return { outcome: 'deferred' };
    }
    if (result.outcome === 'stale') {
      log.info(
        { ...fields, message_id: result.messageId, current: result.status },
        'status not applied: already past it',
      );
      return { outcome: 'stale', messageId: result.messageId, status: result.status };
    }
    const seq = result.events[0]?.seq ?? 0;
    log.info({ ...fields, message_id: result.messageId, seq }, 'status applied');
    await publishCommitted(this.bus, result.events, traceId, log);
    return { outcome: 'applied', messageId: result.messageId, status: result.status, seq };
  }
}

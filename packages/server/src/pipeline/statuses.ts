import type { MessageStatus } from '@newton/protocol';
import type { EventBus } from '../bus/index.js';
import type { Logger } from '../logger.js';
import type { StatusUpdate, Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

export type { StatusUpdate } from '../store/index.js';

export type StatusOutcome =
  | { outcome: 'applied'; messageId: string; status: MessageStatus; seq: number }
  /** The message is already at or past this status (statuses only move forward); no event. */
  | { outcome: 'stale'; messageId: string; status: MessageStatus }
  /** The message is not known yet: the status is kept and applied when it appears. */
  | { outcome: 'deferred' };

/**
 * Applies delivery statuses reported by any provider webhook (Evolution
 * `messages.update`, Cloud API `statuses[]`): forward-only update and its
 * `message_status` event in one transaction, then publish.
 */
export class StatusApplier {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async apply(update: StatusUpdate, traceId: string): Promise<StatusOutcome> {
    const log = this.logger.child({ trace: traceId, tenant: update.tenantId });
    const result = await this.store.outbound.applyStatus(update);
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

import type { EditOutcome, EditSink, EventBus, Logger, MessageEdit } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

/**
 * Applies edits reported by a provider webhook (Evolution `messages.edited`):
 * the message's new text and its `message_updated` event in one transaction,
 * then publish. The delivery status is never touched.
 */
export class EditApplier implements EditSink {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async apply(edit: MessageEdit, traceId: string): Promise<EditOutcome> {
    const log = this.logger.child({ trace: traceId, tenant: edit.tenantId });
    const result = await this.store.inbound.edit(edit);
    const fields = { provider_message_id: edit.providerMessageId };
    if (result.outcome === 'ignored') {
      log.info({ ...fields, reason: result.reason }, 'edit not applied');
      return { outcome: 'ignored', reason: result.reason };
    }
    if (result.outcome === 'unchanged') {
      log.info({ ...fields, message_id: result.messageId }, 'edit already applied');
      return { outcome: 'unchanged', messageId: result.messageId };
    }
    const seq = result.events.map((e) => e.seq);
    log.info({ ...fields, message_id: result.messageId, seq }, 'message edited');
    await publishCommitted(this.bus, result.events, traceId, log);
    return { outcome: 'applied', messageId: result.messageId, seq };
  }
}

import type { EditOutcome, EditSink, EventBus, Logger, MessageEdit } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishChange } from './message-changes.js';

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
    return publishChange(this.bus, log, result, traceId, fields, { what: 'edit', applied: 'message edited' });
  }
}

import type {
  EventBus,
  Logger,
  MessageChangeOutcome,
  MessageChangeSink,
  MessageDeletion,
  MessageReactionChange,
} from '../core/index.js';
import type { Store } from '../store/index.js';
import type { ChangeResult } from '../store/reactions.js';
import { publishCommitted } from './publish.js';

/**
 * Applies what providers report about stored messages besides edits and
 * statuses: reactions (`message_reaction`) and deletions for everyone
 * (`message_deleted`). Each is stored with its events in one transaction,
 * then published; neither ever creates a message.
 */
export class MessageChangeApplier implements MessageChangeSink {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async react(c: MessageReactionChange, traceId: string): Promise<MessageChangeOutcome> {
    const fields = { provider_message_id: c.targetProviderMessageId, by: c.by, removed: c.emoji === '' };
    return this.finish(await this.store.inbound.react(c), c.tenantId, traceId, fields, 'reaction');
  }

  async delete(d: MessageDeletion, traceId: string): Promise<MessageChangeOutcome> {
    const fields = { provider_message_id: d.providerMessageId };
    return this.finish(await this.store.inbound.delete(d), d.tenantId, traceId, fields, 'deletion');
  }

  private async finish(
    result: ChangeResult,
    tenantId: string,
    traceId: string,
    fields: Record<string, unknown>,
    what: string,
  ): Promise<MessageChangeOutcome> {
    const log = this.logger.child({ trace: traceId, tenant: tenantId });
    if (result.outcome === 'ignored') {
      log.info({ ...fields, reason: result.reason }, `${what} not applied`);
      return { outcome: 'ignored', reason: result.reason };
    }
    if (result.outcome === 'unchanged') {
      log.info({ ...fields, message_id: result.messageId }, `${what} already applied`);
      return { outcome: 'unchanged', messageId: result.messageId };
    }
    const seq = result.events.map((e) => e.seq);
    log.info({ ...fields, message_id: result.messageId, seq }, `${what} applied`);
    await publishCommitted(this.bus, result.events, traceId, log);
    return { outcome: 'applied', messageId: result.messageId, seq };
  }
}

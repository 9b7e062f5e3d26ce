import type {
  EditOutcome,
  EventBus,
  Logger,
  MessageChangeOutcome,
  MessageChangeSink,
  MessageDeletion,
  MessageReactionChange,
} from '../core/index.js';
import type { EditResult, Store } from '../store/index.js';
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
    return this.publish(await this.store.inbound.react(c), c.tenantId, traceId, fields, 'reaction');
  }

  async delete(d: MessageDeletion, traceId: string): Promise<MessageChangeOutcome> {
    const fields = { provider_message_id: d.providerMessageId };
    return this.publish(await this.store.inbound.delete(d), d.tenantId, traceId, fields, 'deletion');
  }

  private publish(
    result: EditResult,
    tenantId: string,
    traceId: string,
    fields: Record<string, unknown>,
    what: string,
  ): Promise<MessageChangeOutcome> {
    const log = this.logger.child({ trace: traceId, tenant: tenantId });
    return publishChange(this.bus, log, result, traceId, fields, { what, applied: `${what} applied` });
  }
}

/**
 * Logs and publishes what a change of a stored message did (an edit, a
 * reaction, a deletion) and answers the provider adapter: `ignored` and
 * `unchanged` publish nothing.
 */
export async function publishChange(
  bus: EventBus,
  log: Logger,
  result: EditResult,
  traceId: string,
  fields: Record<string, unknown>,
  labels: { what: string; applied: string },
): Promise<EditOutcome> {
  if (result.outcome === 'ignored') {
    log.info({ ...fields, reason: result.reason }, `${labels.what} not applied`);
    return { outcome: 'ignored', reason: result.reason };
  }
  if (result.outcome === 'unchanged') {
    log.info({ ...fields, message_id: result.messageId }, `${labels.what} already applied`);
    return { outcome: 'unchanged', messageId: result.messageId };
  }
  const seq = result.events.map((e) => e.seq);
  log.info({ ...fields, message_id: result.messageId, seq }, labels.applied);
  await publishCommitted(bus, result.events, traceId, log);
  return { outcome: 'applied', messageId: result.messageId, seq };
}

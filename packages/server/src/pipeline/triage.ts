/**
 * The agents' triage of conversations (#15): status, internal notes, labels.
 * Each change is stored with its events (store), then published; the errors
 * are the API's. Notes never go near a provider: nothing here sends.
 */
import type { ConversationState, ConversationStatus, LabelPayload, NotePayload } from '@newton/protocol';
import { type EventBus, type Logger, newtonError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';

export class TriageService {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async setStatus(
    tenantId: string,
    conversationId: string,
    status: ConversationStatus,
    snoozedUntil: number | null,
    traceId: string,
  ): Promise<ConversationState> {
    const result = await this.store.conversationStatus.set(tenantId, conversationId, status, snoozedUntil);
    if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    const log = this.logger.child({ trace: traceId, tenant: tenantId, conversation_id: conversationId });
    if (result.events.length > 0)
      log.info({ status, seq: result.events.map((e) => e.seq) }, 'status changed');
    await publishCommitted(this.bus, result.events, traceId, log);
    return result.conversation;
  }

  async addNote(
    tenantId: string,
    conversationId: string,
    authorId: string,
    text: string,
    traceId: string,
  ): Promise<{ note: NotePayload; conversation: ConversationState }> {
    const result = await this.store.notes.add(tenantId, conversationId, authorId, text);
    if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    const log = this.logger.child({ trace: traceId, tenant: tenantId, conversation_id: conversationId });
    log.info({ note_id: result.note.id, seq: result.events.map((e) => e.seq) }, 'note added');
    await publishCommitted(this.bus, result.events, traceId, log);
    return { note: result.note, conversation: result.conversation };
  }

  async createLabel(tenantId: string, name: string, color: string, traceId: string): Promise<LabelPayload> {
    const label = await this.labelAnswer(
      tenantId,
      await this.store.labels.create(tenantId, name, color),
      traceId,
    );
    if (!label) throw newtonError('NEWTON_ERR_INTERNAL');
    return label;
  }

  async updateLabel(
    tenantId: string,
    id: string,
    patch: { name?: string; color?: string },
    traceId: string,
  ): Promise<LabelPayload> {
    const label = await this.labelAnswer(
      tenantId,
      await this.store.labels.update(tenantId, id, patch),
      traceId,
    );
    if (!label) throw newtonError('NEWTON_ERR_INTERNAL');
    return label;
  }

  async removeLabel(tenantId: string, id: string, traceId: string): Promise<void> {
    await this.labelAnswer(tenantId, await this.store.labels.remove(tenantId, id), traceId);
  }

  /** Puts a label of the tenant on a conversation (`on`) or takes it off. */
  async setLabel(
    tenantId: string,
    conversationId: string,
    labelId: string,
    on: boolean,
    traceId: string,
  ): Promise<ConversationState> {
    const result = await this.store.labels.setOnConversation(tenantId, conversationId, labelId, on);
    if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    if (result.outcome === 'unknown_label') throw newtonError('NEWTON_ERR_UNKNOWN_LABEL');
    const log = this.logger.child({ trace: traceId, tenant: tenantId, conversation_id: conversationId });
    if (result.events.length > 0) {
      log.info({ label_id: labelId, on, seq: result.events.map((e) => e.seq) }, 'conversation label changed');
    }
    await publishCommitted(this.bus, result.events, traceId, log);
    return result.conversation;
  }

  private async labelAnswer(
    tenantId: string,
    result: Awaited<ReturnType<Store['labels']['create']>>,
    traceId: string,
  ): Promise<LabelPayload | undefined> {
    switch (result.outcome) {
      case 'not_found':
        throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such label');
      case 'exists':
        throw newtonError('NEWTON_ERR_LABEL_EXISTS');
      case 'limit':
        throw newtonError('NEWTON_ERR_LABEL_LIMIT');
    }
    const log = this.logger.child({ trace: traceId, tenant: tenantId });
    if (result.events.length > 0) log.info({ seq: result.events.map((e) => e.seq) }, 'labels changed');
    await publishCommitted(this.bus, result.events, traceId, log);
    return result.outcome === 'deleted' ? undefined : result.label;
  }
}

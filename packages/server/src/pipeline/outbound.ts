/**
 * Replies from the CRM (issue #5): validate against the conversation's
 * provider, store the reply as `pending` with its `new_message` event, answer,
 * and send in the background; retry a failed reply; mark a conversation read.
 */
import type { ConversationState, MessagePayload } from '@newton/protocol';
import type { EventBus, Logger, ProviderRegistry, ReplyRefusal } from '../core/index.js';
import { type ErrorName, ErrorTable, newtonError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { publishCommitted } from './publish.js';
import type { ReplySender } from './sender.js';

export interface ReplyRequest {
  tenantId: string;
  /** The agent (token `sub`). */
  userId: string;
  conversationId: string;
  text: string;
  clientId: string | null;
}

export interface ReplyAnswer {
  /** 201 when stored now, 200 when this client_id was stored before. */
  created: boolean;
  message: MessagePayload;
}

/** A provider's up-front refusal as an HTTP error with its own stable code when Newton knows it. */
function refusalError(refusal: ReplyRefusal) {
  const known = (Object.keys(ErrorTable) as ErrorName[]).find(
    (name) => ErrorTable[name].code === refusal.code && ErrorTable[name].status === 409,
  );
  return known
    ? newtonError(known, refusal.message)
    : newtonError('NEWTON_ERR_CANNOT_REPLY', refusal.message, { reason_code: refusal.code });
}

export class OutboundService {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly registry: ProviderRegistry,
    private readonly sender: ReplySender,
    private readonly logger: Logger,
  ) {}

  /** Stores a reply and starts sending it; idempotent per `clientId`. Throws NewtonErrors for the caller. */
  async reply(r: ReplyRequest, traceId: string): Promise<ReplyAnswer> {
    const log = this.logger.child({ trace: traceId, tenant: r.tenantId, conversation_id: r.conversationId });
    const target = await this.store.outbound.replyTarget(r.tenantId, r.conversationId);
    if (!target) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    if (r.clientId !== null) {
      // A retried POST: answered from the store, whatever the instance's state now.
      const prior = await this.store.outbound.findByClientId(r.tenantId, r.clientId);
      if (prior) return this.repeated(prior, r, log);
    }
    const { instance } = target;
    const client = this.registry.get(instance.provider);
    if (!client) {
      throw newtonError(
        'NEWTON_ERR_SEND_NOT_CONFIGURED',
        `sending through ${instance.provider} is not available`,
      );
    }
    const problem = client.sendConfigProblem(instance);
    if (problem) throw newtonError('NEWTON_ERR_SEND_NOT_CONFIGURED', problem);
    if (!target.to.jid && !target.to.phone && !target.to.lid) {
      throw newtonError('NEWTON_ERR_CANNOT_REPLY', 'the lead has no WhatsApp address to reply to');
    }
    const refusal = client.replyBlocked?.({
      lastInboundAt: target.lastInboundAt,
      now: Date.now(),
      to: target.to,
    });
    if (refusal) {
      log.info({ code: refusal.code }, 'reply refused up front by the provider rules');
      throw refusalError(refusal);
    }

    const result = await this.store.outbound.createReply(r);
    if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    if (result.outcome === 'client_id_conflict') throw newtonError('NEWTON_ERR_CLIENT_ID_CONFLICT');
    if (result.outcome === 'existing') return this.repeated(result.message, r, log);
    log.info(
      {
        message_id: result.message.id,
        seq: result.events.map((e) => e.seq),
        user: r.userId,
        client_id: r.clientId,
      },
      'reply stored',
    );
    await publishCommitted(this.bus, result.events, traceId, log);
    this.sender.schedule(r.tenantId, result.message.id, traceId);
    return { created: true, message: result.message };
  }

  private repeated(prior: MessagePayload, r: ReplyRequest, log: Logger): ReplyAnswer {
    if (prior.conversation_id !== r.conversationId) throw newtonError('NEWTON_ERR_CLIENT_ID_CONFLICT');
    log.info(
      { message_id: prior.id, client_id: r.clientId, status: prior.status },
      'reply repeated: already stored',
    );
    return { created: false, message: prior };
  }

  /** Sends a failed reply again (same message id, status back to pending). */
  async retry(tenantId: string, messageId: string, traceId: string): Promise<MessagePayload> {
    const log = this.logger.child({ trace: traceId, tenant: tenantId, message_id: messageId });
    const result = await this.store.outbound.resetForRetry(tenantId, messageId);
    if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such message');
    if (result.outcome === 'not_failed') {
      throw newtonError(
        'NEWTON_ERR_NOT_FAILED',
        `only a failed reply can be retried (this one is ${result.status})`,
      );
    }
    log.info({ seq: result.events.map((e) => e.seq) }, 'reply retried: pending again');
    await publishCommitted(this.bus, result.events, traceId, log);
    this.sender.schedule(tenantId, messageId, traceId);
    return result.message;
  }

  /** Marks a conversation read by an agent: unread 0 and a `conversation_updated` event. */
  async markRead(
    tenantId: string,
    conversationId: string,
    userId: string,
    traceId: string,
  ): Promise<ConversationState> {
    const log = this.logger.child({ trace: traceId, tenant: tenantId, conversation_id: conversationId });
    const result = await this.store.outbound.markRead(tenantId, conversationId);
    if (result.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    log.info({ user: userId, seq: result.events.map((e) => e.seq) }, 'conversation marked read');
    await publishCommitted(this.bus, result.events, traceId, log);
    return result.conversation;
  }
}

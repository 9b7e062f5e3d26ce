/**
 * Replies from the CRM (issue #5): validate against the conversation's
 * provider, store the reply as `pending` with its `new_message` event, answer,
 * and send in the background; retry a failed reply; mark a conversation read.
 */
import type { ConversationState, MessagePayload } from '@newton/protocol';
import type {
  EventBus,
  Instance,
  Logger,
  MediaBlobs,
  ProviderRegistry,
  ReplyRefusal,
} from '../core/index.js';
import { type ErrorName, ErrorTable, newtonError } from '../core/index.js';
import type { ReplyTarget, Store } from '../store/index.js';
import { type OutboundExtras, prepareExtras, type Upload } from './outbound-extras.js';
import { publishCommitted } from './publish.js';
import type { ReplySender } from './sender.js';
import type { TemplateCatalog } from './templates.js';

export type { TemplateChoice, Upload } from './outbound-extras.js';

export interface ReplyRequest {
  tenantId: string;
  /** The agent (token `sub`). */
  userId: string;
  conversationId: string;
  text: string;
  clientId: string | null;
  /** The id of a message of this conversation the reply quotes (issue #15 §7). */
  replyTo?: string | null;
  /** A file to send (the text is its caption); size already checked by the route. */
  upload?: Upload;
  /** A Cloud API template to send instead of text (allowed when the 24 h window is closed). */
  template?: { name: string; language: string; variables: string[] };
}

/** A conversation an agent starts with a phone number (issue #15 §8). */
export interface StartRequest {
  tenantId: string;
  userId: string;
  /** The tenant's instance (already checked to be the caller's). */
  instance: Instance;
  /** E.164 with `+`. */
  phone: string;
  text: string;
  clientId: string | null;
  template?: { name: string; language: string; variables: string[] };
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
    /** Where uploads are kept (the media keeper's store); without it uploads are refused. */
    private readonly blobs?: MediaBlobs,
    private readonly templates?: TemplateCatalog,
  ) {}

  /** Stores a reply and starts sending it; idempotent per `clientId`. Throws NewtonErrors for the caller. */
  async reply(r: ReplyRequest, traceId: string): Promise<ReplyAnswer> {
    const target = await this.store.outbound.replyTarget(r.tenantId, r.conversationId);
    if (!target) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    return this.replyTo(target, r, traceId);
  }

  /** Stores and sends a reply in a conversation whose target is known (also a new conversation's). */
  async replyTo(target: ReplyTarget, r: ReplyRequest, traceId: string): Promise<ReplyAnswer> {
    const log = this.logger.child({ trace: traceId, tenant: r.tenantId, conversation_id: r.conversationId });
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
    const now = Date.now();
    const refusal = client.replyBlocked?.({
      // A template may be sent whenever: only the address is checked.
      lastInboundAt: r.template ? now : target.lastInboundAt,
      now,
      to: target.to,
    });
    if (refusal) {
      log.info({ code: refusal.code }, 'reply refused up front by the provider rules');
      throw refusalError(refusal);
    }

    const extras: OutboundExtras = await prepareExtras(r, target, {
      store: this.store,
      client,
      blobs: this.blobs,
      templates: this.templates,
    });
    const result = await this.store.outbound.createReply({ ...r, ...extras });
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

  /**
   * Starts (or continues) the conversation of `phone` on an instance with a
   * first message: text, or on the Cloud API a template (free text is 409
   * `reply_window_closed` until the customer writes). Checked before the
   * lead and conversation are created.
   */
  async start(s: StartRequest, traceId: string): Promise<ReplyAnswer> {
    const log = this.logger.child({ trace: traceId, tenant: s.tenantId, instance: s.instance.name });
    const client = this.registry.get(s.instance.provider);
    const problem = client
      ? client.sendConfigProblem(s.instance)
      : `sending through ${s.instance.provider} is not available`;
    if (problem) throw newtonError('NEWTON_ERR_SEND_NOT_CONFIGURED', problem);
    if (s.template) {
      if (!this.templates) throw newtonError('NEWTON_ERR_TEMPLATES_UNAVAILABLE');
      const t = await this.templates.find(s.instance, s.template.name, s.template.language);
      if (t.placeholders.length !== s.template.variables.length) {
        throw newtonError(
          'NEWTON_ERR_INVALID_REQUEST',
          `template "${t.name}" takes ${t.placeholders.length} variable(s), got ${s.template.variables.length}`,
        );
      }
    } else if (client?.replyBlocked) {
      // An existing conversation keeps its window; a new one is closed until the customer writes.
      const existing = await this.store.outbound.findConversation({
        tenantId: s.tenantId,
        instanceId: s.instance.id,
        phone: s.phone,
      });
      const target = existing ? await this.store.outbound.replyTarget(s.tenantId, existing) : undefined;
      const refusal = client.replyBlocked({
        lastInboundAt: target?.lastInboundAt ?? null,
        now: Date.now(),
        to: target?.to ?? { phone: s.phone, lid: null, jid: null },
      });
      if (refusal && !existing && refusal.code === 'reply_window_closed') {
        throw newtonError(
          'NEWTON_ERR_REPLY_WINDOW_CLOSED',
          'on the WhatsApp Cloud API a conversation the customer has not started begins with a template',
        );
      }
      if (refusal) throw refusalError(refusal);
    }
    if (s.clientId !== null) {
      const prior = await this.store.outbound.findByClientId(s.tenantId, s.clientId);
      if (prior) return { created: false, message: prior };
    }
    const opened = await this.store.outbound.openConversation({
      tenantId: s.tenantId,
      instanceId: s.instance.id,
      phone: s.phone,
    });
    if (opened.outcome === 'not_found') throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such number');
    log.info(
      {
        conversation_id: opened.conversationId,
        created: opened.created,
        seq: opened.events.map((e) => e.seq),
      },
      'conversation opened by an agent',
    );
    await publishCommitted(this.bus, opened.events, traceId, log);
    const target = await this.store.outbound.replyTarget(s.tenantId, opened.conversationId);
    if (!target) throw newtonError('NEWTON_ERR_NOT_FOUND', 'no such conversation');
    return this.replyTo(
      target,
      {
        tenantId: s.tenantId,
        userId: s.userId,
        conversationId: opened.conversationId,
        text: s.text,
        clientId: s.clientId,
        ...(s.template ? { template: s.template } : {}),
      },
      traceId,
    );
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

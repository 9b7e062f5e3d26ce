import type {
  EditSink,
  IngestSink,
  Instance,
  InstanceDirectory,
  InstanceStateSink,
  Logger,
  ReceiptOutcome,
  StatusSink,
} from '../../core/index.js';
import { ErrorTable } from '../../core/index.js';
import { numberOf, sameNumber } from '../../core/whatsapp/phone.js';
import { isProbeTrace, type ReceiptFields, type ReceiptRecorder, senderDigits } from '../receipts.js';
import { authenticateWebhook, type WebhookCredentials } from './auth.js';
import { CONNECTION_EVENTS, parseConnectionEvent, stateLabel } from './connection.js';
import { parseEditItem } from './edits.js';
import { evolutionInbound } from './history.js';
import { parseEnvelope, parseUpsertItem } from './parse.js';
import { parseStatusItem } from './statuses.js';
import type { EvolutionEnvelope } from './types.js';

export interface WebhookRequest {
  body: unknown;
  /** Event name from a "webhook by events" URL (`messages-upsert`). */
  urlEvent: string | undefined;
  credentials: Omit<WebhookCredentials, 'bodyApikey'>;
  bodySize: number;
  traceId: string;
  receivedAt: number;
}

export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
}

type Routed = {
  event: string;
  instanceName: string;
  tenantId: string;
  instanceId: string;
  senderNumber: string | null;
};
type ItemReply = { status: number; outcome: ReceiptOutcome; body: Record<string, unknown> };
type RecordItem = (f: ReceiptFields) => Promise<void>;
type Skipped = { kind: 'invalid' | 'ignored'; reason: string; providerMessageId?: string | null };

/**
 * Events that carry messages: `messages.upsert` (inbound, and what was typed
 * on the phone) and `send.message` (what Evolution itself sent, e.g. a reply
 * from Newton: matched to the stored reply, never duplicated).
 */
const MESSAGE_EVENTS = new Set(['messages.upsert', 'send.message']);

/**
 * What Newton does with one Evolution webhook (CONTRACT.md §2): route by
 * `instance`, authenticate, check `sender` against the instance's number,
 * store. Every webhook leaves a receipt. Evolution drops an event for good on
 * 400/401/403/404/422, so those are reserved for input that can never succeed;
 * an unroutable webhook is answered 202 and recorded.
 */
export class EvolutionWebhook {
  constructor(
    private readonly admin: InstanceDirectory,
    private readonly ingestor: IngestSink,
    private readonly receipts: ReceiptRecorder,
    private readonly logger: Logger,
    /** Applies `messages.update` statuses; without it they are answered `ignored`. */
    private readonly statuses?: StatusSink,
    /** Applies `messages.edited` (new text of a stored message); without it they are answered `ignored`. */
    private readonly edits?: EditSink,
    /**
     * Records session webhooks (`connection.update`, `qrcode.updated`…) and
     * notes every authenticated webhook; without it those are answered `ignored`.
     */
    private readonly states?: InstanceStateSink,
  ) {}

  async handle(req: WebhookRequest): Promise<WebhookReply> {
    const log = this.logger.child({ trace: req.traceId, provider: 'evolution' });
    const record = (f: Parameters<ReceiptRecorder['record']>[3]) =>
      this.receipts.record(req.traceId, req.receivedAt, req.bodySize, { body: req.body, ...f });

    const parsed = parseEnvelope(req.body, req.urlEvent);
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason }, 'webhook rejected: not an Evolution envelope');
      await record({ outcome: 'rejected', reason: parsed.reason, event: req.urlEvent ?? null });
      return reply(400, 'rejected', req.traceId, {
        error: ErrorTable.NEWTON_ERR_WEBHOOK_INVALID.code,
        reason: parsed.reason,
      });
    }
    const env = parsed.envelope;
    log.info({ event: env.event, instance: env.instance, bytes: req.bodySize }, 'webhook received');
    // The account's own number, on every receipt (accepted ones too): doctor finds a tenant's
    // number accepted by another tenant's instance that has no number configured.
    const base = { event: env.event, instanceName: env.instance, senderNumber: senderDigits(env.sender) };

    const instance = await this.admin.findInstance('evolution', env.instance);
    if (!instance) {
      // The full reason (which tenant owns the sender's number) is for operators only:
      // this caller is not authenticated.
      const reason = await this.unknownInstanceReason(env);
      log.warn({ instance: env.instance, reason }, 'webhook unroutable');
      await record({ ...base, outcome: 'unroutable', reason });
      return reply(202, 'unroutable', req.traceId, { reason: `unknown instance "${env.instance}"` });
    }
    const routed = { ...base, tenantId: instance.tenantId, instanceId: instance.id };

    const auth = await authenticateWebhook(instance, { ...req.credentials, bodyApikey: env.apikey });
    if (!auth.ok) {
      log.warn(
        { tenant: instance.tenantId, instance: instance.name, reason: auth.reason },
        'webhook rejected',
      );
      await record({ ...routed, outcome: 'rejected', reason: auth.reason });
      return reply(401, 'rejected', req.traceId, {
        error: ErrorTable.NEWTON_ERR_WEBHOOK_UNAUTHORIZED.code,
        reason: auth.reason,
      });
    }
    // Evolution reached Newton for this instance (whatever the event): the webhook wiring works.
    if (!isProbeTrace(req.traceId)) this.states?.webhookSeen(instance.id, req.receivedAt);
    // Before the session first opens, Evolution sends no `sender`: the instance name routes alone.
    if (instance.number && env.sender && !sameNumber(instance.number, env.sender)) {
      const reason = `sender ${env.sender} is not the number ${instance.number} configured for instance "${instance.name}" of tenant ${instance.tenantId}`;
      log.warn({ tenant: instance.tenantId, reason }, 'webhook unroutable');
      await record({ ...routed, outcome: 'unroutable', reason });
      return reply(202, 'unroutable', req.traceId, { reason });
    }
    log.info({ tenant: instance.tenantId, instance: instance.name, auth: auth.method }, 'webhook routed');

    if (CONNECTION_EVENTS.has(env.event) && this.states) {
      return this.connection(instance, env, req, log, routed, this.states);
    }
    const isStatus = env.event === 'messages.update' && this.statuses !== undefined;
    const isEdit = env.event === 'messages.edited' && this.edits !== undefined;
    if (!MESSAGE_EVENTS.has(env.event) && !isStatus && !isEdit) {
      const reason = `event ${env.event} is not handled`;
      await record({ ...routed, outcome: 'ignored', reason });
      return reply(200, 'ignored', req.traceId, { reason });
    }
    const items = Array.isArray(env.data) ? env.data : [env.data];
    if (items.length === 0) {
      const reason = `${env.event} with an empty data array`;
      await record({ ...routed, outcome: 'ignored', reason });
      return reply(200, 'ignored', req.traceId, { reason });
    }
    const replies = [];
    for (const data of items) {
      replies.push(
        isStatus
          ? await this.status(instance, data, req, log, routed)
          : isEdit
            ? await this.edit(instance, data, req, log, routed)
            : await this.upsert(instance, data, req, log, routed),
      );
    }
    const status = Math.max(...replies.map((r) => r.status));
    const body =
      replies.length === 1 ? replies[0]?.body : { outcome: 'batch', items: replies.map((r) => r.body) };
    return { status, body: { ok: status < 300, trace_id: req.traceId, ...body } };
  }

  private async upsert(
    instance: Instance,
    data: unknown,
    req: WebhookRequest,
    log: Logger,
    routed: Routed,
  ): Promise<ItemReply> {
    const record = this.itemRecorder(req, routed);
    const item = parseUpsertItem(data, req.receivedAt);
    if (item.kind === 'invalid' || item.kind === 'ignored') return skip(item, 'messages.upsert', record, log);
    const providerMessageId = item.message.providerMessageId;
    const result = await this.ingestor.ingest(
      evolutionInbound(item.message, instance),
      req.traceId,
      this.receipts.build(req.traceId, req.receivedAt, req.bodySize, {
        ...routed,
        outcome: 'accepted',
        providerMessageId,
      }),
    );
    const outcome: ReceiptOutcome = result.outcome === 'stored' ? 'accepted' : 'duplicate';
    return {
      status: 200,
      outcome,
      body: {
        outcome,
        message_id: result.messageId,
        conversation_id: result.conversationId,
        seq: result.events.map((e) => e.seq),
        ...(result.outcome === 'echo' ? { echo: true } : {}),
      },
    };
  }

  /** One `messages.update` item: a delivery status of a message the business sent. */
  private async status(
    instance: Instance,
    data: unknown,
    req: WebhookRequest,
    log: Logger,
    routed: Routed,
  ): Promise<ItemReply> {
    const record = this.itemRecorder(req, routed);
    const item = parseStatusItem(data);
    if (item.kind === 'invalid' || item.kind === 'ignored') return skip(item, 'messages.update', record, log);
    const result = await (this.statuses as StatusSink).apply(
      {
        tenantId: instance.tenantId,
        instanceId: instance.id,
        providerMessageId: item.providerMessageId,
        status: item.status,
        error: item.error,
        at: req.receivedAt,
      },
      req.traceId,
    );
    const providerMessageId = item.providerMessageId;
    if (result.outcome === 'deferred') {
      const reason = 'message not known yet: status kept until it arrives';
      return answer(
        record,
        'accepted',
        { reason, providerMessageId },
        { status: item.status, reason, seq: [] },
      );
    }
    const messageId = result.messageId;
    if (result.outcome === 'stale') {
      const reason = `message is already ${result.status}`;
      return answer(
        record,
        'duplicate',
        { reason, providerMessageId, messageId },
        { message_id: messageId, status: result.status, reason, seq: [] },
      );
    }
    return answer(
      record,
      'accepted',
      { providerMessageId, messageId },
      { message_id: messageId, status: result.status, seq: [result.seq] },
    );
  }

  /**
   * One `messages.edited` item: the new text of a stored message. Its
   * `messages.update` twin (status DELETED) is ignored by status().
   */
  private async edit(
    instance: Instance,
    data: unknown,
    req: WebhookRequest,
    log: Logger,
    routed: Routed,
  ): Promise<ItemReply> {
    const record = this.itemRecorder(req, routed);
    const item = parseEditItem(data);
    if (item.kind === 'invalid' || item.kind === 'ignored') return skip(item, 'messages.edited', record, log);
    const providerMessageId = item.providerMessageId;
    const result = await (this.edits as EditSink).apply(
      {
        tenantId: instance.tenantId,
        instanceId: instance.id,
        providerMessageId,
        text: item.text,
        at: item.at ?? req.receivedAt,
      },
      req.traceId,
    );
    if (result.outcome === 'ignored') {
      const reason = `edit: ${result.reason}`;
      return answer(record, 'ignored', { reason, providerMessageId }, { reason: result.reason });
    }
    const messageId = result.messageId;
    if (result.outcome === 'unchanged') {
      const reason = 'edit already applied';
      return answer(
        record,
        'duplicate',
        { reason, providerMessageId, messageId },
        { message_id: messageId, reason, seq: [] },
      );
    }
    return answer(
      record,
      'accepted',
      { providerMessageId, messageId },
      { message_id: messageId, edited: true, seq: result.seq },
    );
  }

  /**
   * A session webhook: the state it tells is recorded (an `instance_status`
   * event when it changed); the same state again is a `duplicate` receipt.
   */
  private async connection(
    instance: Instance,
    env: EvolutionEnvelope,
    req: WebhookRequest,
    log: Logger,
    routed: Routed,
    states: InstanceStateSink,
  ): Promise<WebhookReply> {
    const record = this.itemRecorder(req, routed);
    const item = parseConnectionEvent(env.event, env.data, instance.name);
    if (item.kind === 'invalid') {
      log.warn({ reason: item.reason }, `webhook rejected: malformed ${env.event}`);
      await record({ outcome: 'rejected', reason: item.reason });
      return reply(400, 'rejected', req.traceId, {
        error: ErrorTable.NEWTON_ERR_WEBHOOK_INVALID.code,
        reason: item.reason,
      });
    }
    if (item.kind === 'ignored') {
      await record({ outcome: 'ignored', reason: item.reason });
      return reply(200, 'ignored', req.traceId, { reason: item.reason });
    }
    const result = await states.record(
      {
        tenantId: instance.tenantId,
        instanceId: instance.id,
        state: item.state,
        reason: item.reason,
        detail: item.detail,
        // Never in the future: a skewed Evolution clock must not move `since` ahead.
        at: Math.min(item.at ?? req.receivedAt, req.receivedAt),
        source: 'webhook',
      },
      req.traceId,
    );
    const label = stateLabel(item.state, item.reason);
    if (result.outcome === 'unknown_instance') {
      const reason = `${label}: instance "${instance.name}" was removed meanwhile`;
      await record({ outcome: 'ignored', reason });
      return reply(200, 'ignored', req.traceId, { reason });
    }
    const changed = result.outcome === 'changed';
    const outcome: ReceiptOutcome = changed ? 'accepted' : 'duplicate';
    const reason = changed ? label : `${label}, already known`;
    log.info(
      { tenant: instance.tenantId, state: item.state, reason: item.reason, changed },
      'session webhook',
    );
    await record({ outcome, reason });
    return reply(200, outcome, req.traceId, {
      reason,
      state: item.state,
      seq: result.outcome === 'changed' ? [result.seq] : [],
    });
  }

  /** Records a receipt of one item of `req`, routed to an instance. */
  private itemRecorder(req: WebhookRequest, routed: Routed): RecordItem {
    return (f) =>
      this.receipts.record(req.traceId, req.receivedAt, req.bodySize, { body: req.body, ...routed, ...f });
  }

  /** Why an instance name is unknown, naming the instance its number belongs to if any. */
  private async unknownInstanceReason(env: EvolutionEnvelope): Promise<string> {
    let reason = `unknown instance "${env.instance}"`;
    const number = env.sender ? numberOf(env.sender) : null;
    if (env.sender && number) {
      const raw = env.sender.split('@')[0]?.split(':')[0] ?? '';
      const owners = (await this.admin.findInstancesByNumber([number.slice(1), raw])).filter(
        (i) => i.provider === 'evolution',
      );
      if (owners.length > 0) {
        const names = owners.map((o) => `"${o.name}" (tenant ${o.tenantId})`).join(', ');
        reason += `; its sender ${raw} is the number of instance ${names}`;
      }
    }
    return reason;
  }
}

function reply(
  status: number,
  outcome: string,
  traceId: string,
  extra: Record<string, unknown>,
): WebhookReply {
  return { status, body: { ok: status < 300, outcome, trace_id: traceId, ...extra } };
}

/**
 * Records the receipt of an item that reached the store and answers it 200;
 * `body` follows the `outcome` both share.
 */
async function answer(
  record: RecordItem,
  outcome: ReceiptOutcome,
  fields: Omit<ReceiptFields, 'outcome'>,
  body: Record<string, unknown>,
): Promise<ItemReply> {
  await record({ outcome, ...fields });
  return { status: 200, outcome, body: { outcome, ...body } };
}

/**
 * An item that is not stored: a malformed one is rejected (400, Evolution
 * drops it for good), an ignored one answered 200; both leave a receipt.
 */
async function skip(item: Skipped, event: string, record: RecordItem, log: Logger): Promise<ItemReply> {
  if (item.kind === 'invalid') {
    log.warn({ reason: item.reason }, `webhook rejected: malformed ${event}`);
    await record({ outcome: 'rejected', reason: item.reason });
    return {
      status: 400,
      outcome: 'rejected',
      body: { outcome: 'rejected', error: ErrorTable.NEWTON_ERR_WEBHOOK_INVALID.code, reason: item.reason },
    };
  }
  const label =
    event === 'messages.update'
      ? 'status ignored'
      : event === 'messages.edited'
        ? 'edit ignored'
        : 'message ignored';
  log.info({ reason: item.reason, provider_message_id: item.providerMessageId }, label);
  const fields = { reason: item.reason, providerMessageId: item.providerMessageId };
  return answer(record, 'ignored', fields, { reason: item.reason });
}

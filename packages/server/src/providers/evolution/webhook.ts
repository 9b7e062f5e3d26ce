import type {
  CustomerPresenceSink,
  EditSink,
  IngestSink,
  Instance,
  InstanceDirectory,
  InstanceStateSink,
  LeadSink,
  Logger,
  MessageChangeSink,
  StatusSink,
} from '../../core/index.js';
import { ErrorTable, lazyChild } from '../../core/index.js';
import { numberOf, sameNumber } from '../../core/whatsapp/phone.js';
import { isProbeTrace, type ReceiptRecorder, senderDigits } from '../receipts.js';
import { authenticateWebhook } from './auth.js';
import { CONNECTION_EVENTS } from './connection.js';
import { parseEnvelope } from './parse.js';
import { presenceWebhook } from './presence.js';
import type { EvolutionEnvelope } from './types.js';
import { deleteItem } from './webhook-acts.js';
import {
  type RecordItem,
  type Routed,
  reply,
  type WebhookReply,
  type WebhookRequest,
} from './webhook-answers.js';
import { editItem, type ItemContext, sessionItem, statusItem, upsertItem } from './webhook-items.js';
import { callWebhook, contactsWebhook } from './webhook-lead-items.js';

export type { WebhookReply, WebhookRequest } from './webhook-answers.js';

/**
 * Events that carry messages: `messages.upsert` (inbound, and what was typed
 * on the phone) and `send.message` (what Evolution itself sent, e.g. a reply
 * from Newton: matched to the stored reply, never duplicated).
 */
const MESSAGE_EVENTS = new Set(['messages.upsert', 'send.message']);

/** Contact sync: a known lead's name and picture (webhook-lead-items.ts). */
const CONTACT_EVENTS = new Set(['contacts.update', 'contacts.upsert']);

/**
 * What Newton does with one Evolution webhook (docs/api.md §1): route by
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
    /** Applies contact sync (`contacts.update`/`upsert`); without it those are answered `ignored`. */
    private readonly leads?: LeadSink,
    /** Applies reactions and deletions (`messages.delete`, REVOKE); without it they are answered `ignored`. */
    private readonly changes?: MessageChangeSink,
    /** Customer typing (`presence.update`, ephemeral); without it those are answered `ignored`. */
    private readonly presence?: CustomerPresenceSink,
  ) {}

  async handle(req: WebhookRequest): Promise<WebhookReply> {
    const log = lazyChild(this.logger, { trace: req.traceId, provider: 'evolution' });
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
      return sessionItem(this.context(instance, req, log, routed), env, this.states);
    }
    if (CONTACT_EVENTS.has(env.event) && this.leads) {
      const contacts = Array.isArray(env.data) ? env.data : [env.data];
      return contactsWebhook(this.context(instance, req, log, routed), contacts, this.leads);
    }
    if (env.event === 'presence.update' && this.presence) {
      return presenceWebhook(this.context(instance, req, log, routed), env.data, this.presence);
    }
    if (env.event === 'call') {
      return callWebhook(this.context(instance, req, log, routed), env.data, this.ingestor, this.receipts);
    }
    const isStatus = env.event === 'messages.update' && this.statuses !== undefined;
    const isEdit = env.event === 'messages.edited' && this.edits !== undefined;
    const isDelete = env.event === 'messages.delete' && this.changes !== undefined;
    if (!MESSAGE_EVENTS.has(env.event) && !isStatus && !isEdit && !isDelete) {
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
    const ctx = this.context(instance, req, log, routed);
    const replies = [];
    for (const [index, data] of items.entries()) {
      replies.push(
        isStatus
          ? await statusItem(ctx, data, this.statuses as StatusSink, this.edits)
          : isEdit
            ? await editItem(ctx, data, this.edits as EditSink, this.changes)
            : isDelete
              ? await deleteItem(ctx, data, this.changes)
              : await upsertItem(ctx, data, this.ingestor, this.receipts, index, this.changes),
      );
    }
    const status = Math.max(...replies.map((r) => r.status));
    const body =
      replies.length === 1 ? replies[0]?.body : { outcome: 'batch', items: replies.map((r) => r.body) };
    return { status, body: { ok: status < 300, trace_id: req.traceId, ...body } };
  }

  /** What an item handler needs, with a recorder of receipts of one item of `req`, routed to `instance`. */
  private context(instance: Instance, req: WebhookRequest, log: Logger, routed: Routed): ItemContext {
    const record: RecordItem = (f) =>
      this.receipts.record(req.traceId, req.receivedAt, req.bodySize, { body: req.body, ...routed, ...f });
    return { instance, req, log, routed, record };
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

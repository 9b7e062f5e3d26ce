import type { Logger } from '../../logger.js';
import type { Ingestor } from '../../pipeline/index.js';
import type { AdminStore, Instance, ReceiptOutcome } from '../../store/index.js';
import type { ReceiptRecorder } from '../receipts.js';
import { numberOf, sameNumber } from '../whatsapp/phone.js';
import { authenticateWebhook, type WebhookCredentials } from './auth.js';
import { parseEnvelope, parseUpsertItem } from './parse.js';
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

/**
 * What Newton does with one Evolution webhook (CONTRACT.md §2): route by
 * `instance`, authenticate, check `sender` against the instance's number,
 * store. Every webhook leaves a receipt. Evolution drops an event for good on
 * 400/401/403/404/422, so those are reserved for input that can never succeed;
 * an unroutable webhook is answered 202 and recorded.
 */
export class EvolutionWebhook {
  constructor(
    private readonly admin: AdminStore,
    private readonly ingestor: Ingestor,
    private readonly receipts: ReceiptRecorder,
    private readonly logger: Logger,
  ) {}

  async handle(req: WebhookRequest): Promise<WebhookReply> {
    const log = this.logger.child({ trace: req.traceId, provider: 'evolution' });
    const record = (f: Parameters<ReceiptRecorder['record']>[3]) =>
      this.receipts.record(req.traceId, req.receivedAt, req.bodySize, { body: req.body, ...f });

    const parsed = parseEnvelope(req.body, req.urlEvent);
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason }, 'webhook rejected: not an Evolution envelope');
      await record({ outcome: 'rejected', reason: parsed.reason, event: req.urlEvent ?? null });
      return reply(400, 'rejected', req.traceId, { error: 'invalid_webhook', reason: parsed.reason });
    }
    const env = parsed.envelope;
    log.info({ event: env.event, instance: env.instance, bytes: req.bodySize }, 'webhook received');
    const base = { event: env.event, instanceName: env.instance };

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
      return reply(401, 'rejected', req.traceId, { error: 'webhook_unauthorized', reason: auth.reason });
    }
    if (instance.number && env.sender && !sameNumber(instance.number, env.sender)) {
      const reason = `sender ${env.sender} is not the number ${instance.number} configured for instance "${instance.name}" of tenant ${instance.tenantId}`;
      log.warn({ tenant: instance.tenantId, reason }, 'webhook unroutable');
      await record({ ...routed, outcome: 'unroutable', reason });
      return reply(202, 'unroutable', req.traceId, { reason });
    }
    log.info({ tenant: instance.tenantId, instance: instance.name, auth: auth.method }, 'webhook routed');

    if (env.event !== 'messages.upsert') {
      const reason = `event ${env.event} is not handled`;
      await record({ ...routed, outcome: 'ignored', reason });
      return reply(200, 'ignored', req.traceId, { reason });
    }
    const items = Array.isArray(env.data) ? env.data : [env.data];
    if (items.length === 0) {
      const reason = 'messages.upsert with an empty data array';
      await record({ ...routed, outcome: 'ignored', reason });
      return reply(200, 'ignored', req.traceId, { reason });
    }
    const replies = [];
    for (const data of items) replies.push(await this.upsert(instance, data, req, log, routed));
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
    routed: { event: string; instanceName: string; tenantId: string; instanceId: string },
  ): Promise<{ status: number; outcome: ReceiptOutcome; body: Record<string, unknown> }> {
    const record = (f: Parameters<ReceiptRecorder['record']>[3]) =>
      this.receipts.record(req.traceId, req.receivedAt, req.bodySize, { body: req.body, ...routed, ...f });
    const item = parseUpsertItem(data, req.receivedAt);
    if (item.kind === 'invalid') {
      log.warn({ reason: item.reason }, 'webhook rejected: malformed messages.upsert');
      await record({ outcome: 'rejected', reason: item.reason });
      return {
        status: 400,
        outcome: 'rejected',
        body: { outcome: 'rejected', error: 'invalid_webhook', reason: item.reason },
      };
    }
    if (item.kind === 'ignored') {
      log.info({ reason: item.reason, provider_message_id: item.providerMessageId }, 'message ignored');
      await record({ outcome: 'ignored', reason: item.reason, providerMessageId: item.providerMessageId });
      return { status: 200, outcome: 'ignored', body: { outcome: 'ignored', reason: item.reason } };
    }
    const { party, pushName, ...m } = item.message;
    const result = await this.ingestor.ingest(
      {
        ...m,
        tenantId: instance.tenantId,
        instanceId: instance.id,
        provider: 'evolution',
        lead: { phone: party.phone, lid: party.lid, name: pushName },
        replyTo: party.replyTo,
      },
      req.traceId,
      this.receipts.build(req.traceId, req.receivedAt, req.bodySize, {
        ...routed,
        outcome: 'accepted',
        providerMessageId: m.providerMessageId,
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
      },
    };
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

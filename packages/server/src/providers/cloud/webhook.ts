import type {
  IngestSink,
  Instance,
  InstanceDirectory,
  InstanceStateSink,
  LeadSink,
  Logger,
  MessageChangeSink,
  ReceiptOutcome,
  StatusSink,
} from '../../core/index.js';
import { ErrorTable, lazyChild } from '../../core/index.js';
import { isProbeTrace, type ReceiptFields, type ReceiptRecorder, senderDigits } from '../receipts.js';
import { isAccountChange } from './account.js';
import {
  accountCandidates,
  accountSender,
  accountTargets,
  otherSecret,
  routeAccountChange,
  unroutableAccount,
} from './account-webhook.js';
import { CALLS_FIELD, parseCall } from './calls.js';
import { ECHOES_FIELD, parseEcho } from './echoes.js';
import { isSystemMessage } from './lead-changes.js';
import { numberChangeItem } from './number-change.js';
import { parseEnvelope, parseMessage } from './parse.js';
import { reactionItem } from './reaction-item.js';
import { parseSignatureHeader, signedWith } from './signature.js';
import { statusItem } from './status-item.js';
import type { CloudChange } from './types.js';

export interface CloudWebhookRequest {
  /** The request body exactly as received: the signature covers these bytes. */
  raw: Buffer;
  /** `X-Hub-Signature-256`. */
  signature: string | undefined;
  traceId: string;
  receivedAt: number;
}

export interface CloudWebhookReply {
  status: number;
  body: Record<string, unknown>;
}

type Item = { outcome: ReceiptOutcome } & Record<string, unknown>;
type RecordItem = (f: Partial<ReceiptFields> & { outcome: ReceiptOutcome }) => Promise<void>;
/** A webhook whose signature matched `secret`: what each of its changes needs. */
type SignedWebhook = { secret: string; req: CloudWebhookRequest; body: unknown; log: Logger };
/** One routed change being answered: what its messages and statuses need. */
type ChangeContext = {
  instance: Instance;
  change: CloudChange;
  req: CloudWebhookRequest;
  record: RecordItem;
  log: Logger;
};

/**
 * What Newton does with one Cloud API webhook (docs/api.md §1.8): find the
 * instances its changes name (`metadata.phone_number_id`),
 * check `X-Hub-Signature-256` over the raw bytes with their app secret, then
 * store every message and apply every status of every change. Meta retries
 * any answer but 200 for days, so everything that a retry would not change
 * (unknown number, ignored kinds) is answered 200 and left in a receipt; only
 * a forged or unsigned webhook gets 401, and only a server failure asks for a retry.
 */
export class CloudWebhook {
  constructor(
    private readonly admin: InstanceDirectory,
    private readonly ingestor: IngestSink,
    private readonly statuses: StatusSink | undefined,
    private readonly receipts: ReceiptRecorder,
    private readonly logger: Logger,
    /**
     * Records account webhooks (`account_update`, `phone_number_quality_update`)
     * and notes every authenticated webhook; without it those are answered `ignored`.
     */
    private readonly states?: InstanceStateSink,
    /** Moves a lead to its new number (`user_changed_number`); without it those are answered `ignored`. */
    private readonly leads?: LeadSink,
    /** Applies reactions; without it they are answered `ignored`. */
    private readonly changes?: MessageChangeSink,
  ) {}

  async handle(req: CloudWebhookRequest): Promise<CloudWebhookReply> {
    const log = lazyChild(this.logger, { trace: req.traceId, provider: 'cloud' });
    const bodySize = req.raw.length;
    let body: unknown = req.raw.toString('utf8');
    const record = (f: ReceiptFields) =>
      this.receipts.record(req.traceId, req.receivedAt, bodySize, { body, ...f });

    const signature = parseSignatureHeader(req.signature);
    if (!signature) {
      const reason = req.signature
        ? 'X-Hub-Signature-256 is not "sha256=<64 hex digits>"'
        : 'no X-Hub-Signature-256 header (Meta signs every webhook)';
      log.warn({ reason }, 'webhook rejected');
      await record({ outcome: 'rejected', reason });
      return reply(401, req.traceId, {
        outcome: 'rejected',
        error: ErrorTable.NEWTON_ERR_WEBHOOK_UNAUTHORIZED.code,
        reason,
      });
    }
    try {
      body = JSON.parse(body as string);
    } catch {
      const reason = 'body is not valid JSON';
      await record({ outcome: 'rejected', reason });
      return reply(400, req.traceId, {
        outcome: 'rejected',
        error: ErrorTable.NEWTON_ERR_INVALID_JSON.code,
        reason,
      });
    }
    const parsed = parseEnvelope(body);
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason }, 'webhook rejected: not a Cloud API body');
      await record({ outcome: 'rejected', reason: parsed.reason });
      return reply(400, req.traceId, {
        outcome: 'rejected',
        error: ErrorTable.NEWTON_ERR_WEBHOOK_INVALID.code,
        reason: parsed.reason,
      });
    }
    const { changes } = parsed.envelope;
    const ids = [...new Set(changes.map((c) => c.phoneNumberId).filter((id): id is string => id !== null))];
    log.info({ changes: changes.length, phone_number_ids: ids, bytes: bodySize }, 'webhook received');
    const instances = new Map((await this.admin.findInstances('cloud', ids)).map((i) => [i.name, i]));
    // Account webhooks name no phone_number_id: their number, or their account, finds the instances.
    const candidates = await accountCandidates(this.admin, changes);
    for (const i of candidates) instances.set(i.name, i);

    if (instances.size === 0) {
      // Nothing to check the signature with; a retry would not route it either.
      const account = changes.find(isAccountChange);
      const reason =
        ids.length === 0
          ? changes.length === 0
            ? 'webhook with no changes'
            : account
              ? unroutableAccount(account)
              : 'no metadata.phone_number_id in the webhook'
          : `unknown phone_number_id ${ids.map((id) => `"${id}"`).join(', ')}`;
      // A webhook only about accounts is never unroutable: nothing of a tenant's was lost (#13).
      const outcome = changes.length > 0 && changes.every(isAccountChange) ? 'account' : 'unroutable';
      log.warn(
        { reason, outcome },
        `webhook ${outcome === 'account' ? 'for an unknown account' : 'unroutable'}`,
      );
      await record({ outcome, reason, instanceName: ids[0] ?? null });
      return reply(200, req.traceId, { outcome, reason });
    }

    const secrets = [...new Set([...instances.values()].map((i) => i.appSecret).filter((s) => s !== null))];
    const secret = signedWith(req.raw, signature, secrets);
    if (secret === null) {
      const names = [...instances.keys()].map((id) => `"${id}"`).join(', ');
      const reason = `X-Hub-Signature-256 does not match the app secret of phone_number_id ${names}`;
      const only = instances.size === 1 ? [...instances.values()][0] : undefined;
      log.warn({ reason, tenant: only?.tenantId }, 'webhook rejected: bad signature');
      await record({
        outcome: 'rejected',
        reason,
        instanceName: only?.name ?? ids[0] ?? null,
        tenantId: only?.tenantId ?? null,
        instanceId: only?.id ?? null,
      });
      return reply(401, req.traceId, {
        outcome: 'rejected',
        error: ErrorTable.NEWTON_ERR_WEBHOOK_UNAUTHORIZED.code,
        reason,
      });
    }

    const signed: SignedWebhook = { secret, req, body, log };
    const items: Item[] = [];
    for (const change of changes) {
      if (isAccountChange(change)) {
        const targets = accountTargets(change, candidates);
        const route = {
          states: this.states,
          traceId: req.traceId,
          receivedAt: req.receivedAt,
          record: this.recorder(signed, change, accountSender(change)),
          log,
        };
        items.push(...(await routeAccountChange(change, targets, secret, route)));
        continue;
      }
      const instance = change.phoneNumberId ? instances.get(change.phoneNumberId) : undefined;
      items.push(...(await this.change(change, instance, signed)));
    }
    if (items.length === 0) {
      await record({ outcome: 'ignored', reason: 'webhook with no changes' });
      return reply(200, req.traceId, { outcome: 'ignored', reason: 'webhook with no changes' });
    }
    const only = items.length === 1 ? items[0] : undefined;
    return reply(200, req.traceId, only ?? { outcome: 'batch', items });
  }

  /** One `entry[].changes[]`: its messages and statuses, each answered and recorded. */
  private async change(
    change: CloudChange,
    instance: Instance | undefined,
    signed: SignedWebhook,
  ): Promise<Item[]> {
    const { secret, req, log } = signed;
    const record = this.recorder(signed, change, {
      instanceName: change.phoneNumberId,
      senderNumber: senderDigits(change.displayPhoneNumber),
      ...(instance ? { tenantId: instance.tenantId, instanceId: instance.id } : {}),
    });
    const single = async (outcome: ReceiptOutcome, reason: string): Promise<Item[]> => {
      await record({ outcome, reason });
      return [{ outcome, at: change.at, reason }];
    };

    if (!change.phoneNumberId) return single('unroutable', 'no metadata.phone_number_id');
    if (!instance) {
      const shown = change.displayPhoneNumber ? ` (display number ${change.displayPhoneNumber})` : '';
      log.warn({ phone_number_id: change.phoneNumberId }, 'change unroutable');
      return single('unroutable', `unknown phone_number_id "${change.phoneNumberId}"${shown}`);
    }
    if (instance.appSecret !== secret) {
      // Signed by an app, but not by the one this number is configured with.
      return single('rejected', otherSecret(instance));
    }
    if (!isProbeTrace(req.traceId)) {
      this.states?.webhookSeen(instance.id, req.receivedAt);
      // The account's own webhooks may name only it (account-webhook.ts): remember it for them.
      if (change.entryId && instance.wabaId !== change.entryId) {
        await this.admin.noteWaba(instance.id, change.entryId);
        log.info({ instance: instance.name, waba: change.entryId }, 'WhatsApp Business Account noted');
      }
    }
    const echoes = change.field === ECHOES_FIELD;
    const calls = change.field === CALLS_FIELD;
    if (change.field !== 'messages' && !echoes && !calls) {
      return single('ignored', `field "${String(change.field).slice(0, 100)}" is not handled`);
    }
    log.info({ tenant: instance.tenantId, instance: instance.name, auth: 'signature' }, 'webhook routed');
    const { messages, statuses, contacts, errors, message_echoes } = change.value;
    const ctx: ChangeContext = { instance, change, req, record, log };
    const out: Item[] = [];
    for (const raw of Array.isArray(messages) ? messages : []) {
      out.push(await this.message(raw, contacts, ctx));
    }
    for (const raw of echoes && Array.isArray(message_echoes) ? message_echoes : []) {
      out.push(await this.message(raw, undefined, ctx, 'echo'));
    }
    for (const raw of calls && Array.isArray(change.value.calls) ? change.value.calls : []) {
      out.push(await this.message(raw, contacts, ctx, 'call'));
    }
    for (const raw of Array.isArray(statuses) ? statuses : []) {
      // A call's own statuses (RINGING…) are about a call the business placed: no entry (calls.ts).
      out.push(
        calls
          ? await this.skip('ignored', 'status of a call the business placed', ctx)
          : await statusItem(
              raw,
              { ...ctx, at: ctx.change.at, traceId: req.traceId, receivedAt: req.receivedAt },
              this.statuses,
            ),
      );
    }
    if (out.length === 0) {
      const first = Array.isArray(errors) ? (errors[0] as { message?: unknown; code?: unknown }) : undefined;
      const reason = first
        ? `error from Meta: ${String(first.message ?? first.code ?? 'unknown').slice(0, 300)}`
        : 'change with no messages or statuses';
      return single('ignored', reason);
    }
    return out;
  }

  /** Records receipts of one change: `ignored` for its field with `fields`, then each item's own. */
  private recorder(signed: SignedWebhook, change: CloudChange, fields: Partial<ReceiptFields>): RecordItem {
    const { req, body } = signed;
    const base: ReceiptFields = { outcome: 'ignored', event: change.field, ...fields };
    return (f) => this.receipts.record(req.traceId, req.receivedAt, req.raw.length, { body, ...base, ...f });
  }

  /** Records an item that changes nothing. */
  private async skip(outcome: ReceiptOutcome, reason: string, ctx: ChangeContext): Promise<Item> {
    await ctx.record({ outcome, reason });
    return { outcome, at: ctx.change.at, reason };
  }

  /**
   * One message; an `echo`, one the business typed in the WhatsApp Business
   * app (echoes.ts); a `call`, a call's entry in the thread (calls.ts).
   */
  private async message(
    raw: unknown,
    contacts: unknown,
    ctx: ChangeContext,
    source: 'message' | 'echo' | 'call' = 'message',
  ): Promise<Item> {
    const { instance, change, req, record, log } = ctx;
    const echo = source === 'echo';
    if (source === 'message' && isSystemMessage(raw)) {
      const { traceId, receivedAt } = req;
      const at = {
        traceId,
        receivedAt,
        bodySize: req.raw.length,
        receipts: this.receipts,
        leads: this.leads,
      };
      return numberChangeItem(raw, { instance, change, record, log, ...at });
    }
    const item =
      source === 'echo'
        ? parseEcho(raw, req.receivedAt)
        : source === 'call'
          ? parseCall(raw, contacts, req.receivedAt)
          : parseMessage(raw, contacts, req.receivedAt);
    if (item.kind === 'reaction') {
      return reactionItem(item, { instance, traceId: req.traceId, at: change.at, record }, this.changes);
    }
    if (item.kind !== 'message') {
      // A malformed item of a signed webhook: a retry would carry the same bytes, so 200 all the same.
      const outcome = item.kind === 'invalid' ? 'rejected' : 'ignored';
      log.info({ reason: item.reason, provider_message_id: item.providerMessageId }, `message ${outcome}`);
      await record({ outcome, reason: item.reason, providerMessageId: item.providerMessageId });
      return { outcome, at: change.at, reason: item.reason };
    }
    const { party, ...m } = item.message;
    const result = await this.ingestor.ingest(
      {
        ...m,
        tenantId: instance.tenantId,
        instanceId: instance.id,
        provider: 'cloud',
        lead: { phone: party.phone, lid: party.userId, name: party.name },
        replyTo: party.replyTo,
        ...(echo
          ? { direction: 'outbound', sender: 'agent', status: 'sent' }
          : { direction: 'inbound', sender: 'lead', status: 'delivered' }),
      },
      req.traceId,
      this.receipts.build(req.traceId, req.receivedAt, req.raw.length, {
        outcome: 'accepted',
        event: change.field,
        instanceName: instance.name,
        tenantId: instance.tenantId,
        instanceId: instance.id,
        providerMessageId: m.providerMessageId,
        senderNumber: senderDigits(change.displayPhoneNumber),
      }),
    );
    const outcome: ReceiptOutcome = result.outcome === 'stored' ? 'accepted' : 'duplicate';
    return {
      outcome,
      message_id: result.messageId,
      conversation_id: result.conversationId,
      seq: result.events.map((e) => e.seq),
      ...(result.outcome === 'echo' ? { echo: true } : {}),
    };
  }
}

function reply(status: number, traceId: string, extra: Record<string, unknown>): CloudWebhookReply {
  return { status, body: { ok: status < 300, trace_id: traceId, ...extra } };
}

/**
 * Replies sent from the CRM, in the store: the reply stored as `pending`
 * with its `new_message` event (idempotent per `client_id`), the send's
 * bookkeeping (a lease per message so exactly one node sends it, and a
 * restarted node can resume it), retries of failed replies, and marking a
 * conversation read. Knows nothing of providers or HTTP.
 */
import type { EventBody, MessagePayload, MessageType } from '@newton/protocol';
import type { Kysely, Transaction } from 'kysely';
import { newRowId } from '../core/ids.js';
import type { Instance, MessageExtra, TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { conversationSummary, instanceFromRow, leadPayload, messagePayload, previewText } from './mappers.js';
import { findConversation, openConversation, type PhoneOnInstance } from './new-conversation.js';
import { RETRYABLE_TYPES, readyMedia, type StoredUpload } from './outbound-media.js';
import { conversationRow, markConversationRead, type ReadResult } from './read-state.js';
import type { Database, MessagesTable } from './schema.js';
import {
  advanceStatus,
  isPlaceholder,
  type MessageRow,
  markFailed,
  PLACEHOLDER_PREFIX,
  placeholderId,
  type RecordSentResult,
  recordSent,
} from './statuses.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type { StoredUpload } from './outbound-media.js';
export type { ReadResult } from './read-state.js';

export interface NewReply {
  tenantId: string;
  conversationId: string;
  /** The agent (token `sub`). */
  userId: string;
  text: string;
  clientId: string | null;
  /** `text` (default) or the media's type (`image`, `document`, `audio`, `voice`); `text` is then the caption. */
  type?: MessageType;
  /** Media, quoted message, template (issue #15 §7-8), as the message's payload shows them. */
  extra?: MessageExtra;
  /** An uploaded file already in the media store: recorded `ready` with the message. */
  media?: StoredUpload;
}

export type CreateReplyResult =
  | { outcome: 'created'; message: MessagePayload; events: TenantEvent[] }
  /** The same client_id was stored before: nothing new. */
  | { outcome: 'existing'; message: MessagePayload }
  | { outcome: 'not_found' }
  /** The client_id belongs to a reply in another conversation. */
  | { outcome: 'client_id_conflict' };

/** Who a conversation replies to, through which instance. */
export interface ReplyTarget {
  conversationId: string;
  instance: Instance;
  to: { phone: string | null; lid: string | null; jid: string | null };
  /** Epoch ms of the lead's latest inbound message. */
  lastInboundAt: number | null;
}

/** A reply to send, as the sending node sees it. */
export interface SendJob {
  message: MessageRow;
  target: ReplyTarget;
}

export type RetryResult =
  | { outcome: 'reset'; message: MessagePayload; events: TenantEvent[] }
  | { outcome: 'not_found' }
  | { outcome: 'not_failed'; status: string };

async function messageRow(db: Executor, tenantId: string, id: string) {
  return db
    .selectFrom('messages as m')
    .innerJoin('leads as l', 'l.id', 'm.lead_id')
    .selectAll('m')
    .select('l.phone as lead_phone')
    .where('m.tenant_id', '=', tenantId)
    .where('m.id', '=', id)
    .executeTakeFirst();
}

export class OutboundStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {}

  /** The conversation's reply address and instance (credentials included), tenant-scoped. */
  async replyTarget(tenantId: string, conversationId: string): Promise<ReplyTarget | undefined> {
    const conv = await conversationRow(this.db, tenantId, conversationId);
    if (!conv) return undefined;
    const inst = await this.db
      .selectFrom('instances')
      .selectAll()
      .where('id', '=', conv.instance_id)
      .executeTakeFirst();
    if (!inst) return undefined;
    const last = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.max('timestamp').as('at'))
      .where('conversation_id', '=', conversationId)
      .where('direction', '=', 'inbound')
      .executeTakeFirst();
    return {
      conversationId,
      instance: instanceFromRow(inst),
      to: { phone: conv.lead_phone, lid: conv.lead_lid, jid: conv.reply_to },
      lastInboundAt: last?.at == null ? null : Number(last.at),
    };
  }

  /** A message of the tenant, as REST returns it. */
  async getMessage(tenantId: string, messageId: string): Promise<MessagePayload | undefined> {
    const row = await messageRow(this.db, tenantId, messageId);
    return row ? messagePayload(row, row.lead_phone) : undefined;
  }

  /** Finds or creates the lead and conversation of a phone on an instance (new-conversation.ts). */
  openConversation = (p: PhoneOnInstance) => openConversation(this.write, p);
  /** The existing conversation of a phone on an instance, if any. */
  findConversation = (p: PhoneOnInstance) => findConversation(this.db, p);

  /** A message of this conversation a reply may quote (issue #15 §7), tenant-scoped. */
  async quotable(tenantId: string, conversationId: string, messageId: string) {
    return this.db
      .selectFrom('messages')
      .select(['id', 'provider_message_id', 'content', 'sender', 'direction', 'type'])
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('id', '=', messageId)
      .executeTakeFirst();
  }

  /** The reply stored earlier with this client_id, if any. */
  async findByClientId(tenantId: string, clientId: string): Promise<MessagePayload | undefined> {
    const found = await this.db
      .selectFrom('messages')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return found ? this.getMessage(tenantId, found.id) : undefined;
  }

  /**
   * Stores a reply as `pending` (provider id `pending:<id>` until the provider
   * answers) with its `new_message` event, in one transaction.
   */
  createReply(r: NewReply): Promise<CreateReplyResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, r.tenantId);
      if (lastSeq === undefined) return { outcome: 'not_found' };
      if (r.clientId !== null) {
        const prior = await trx
          .selectFrom('messages')
          .select(['id', 'conversation_id'])
          .where('tenant_id', '=', r.tenantId)
          .where('client_id', '=', r.clientId)
          .executeTakeFirst();
        if (prior) {
          if (prior.conversation_id !== r.conversationId) return { outcome: 'client_id_conflict' };
          const row = await messageRow(trx, r.tenantId, prior.id);
          if (row) return { outcome: 'existing', message: messagePayload(row, row.lead_phone) };
        }
      }
      const conv = await conversationRow(trx, r.tenantId, r.conversationId);
      if (!conv) return { outcome: 'not_found' };
      const now = Date.now();
      const sentAt = Math.floor(now / 1000) * 1000;
      const id = newRowId();
      const row: MessagesTable = {
        id,
        tenant_id: r.tenantId,
        conversation_id: conv.id,
        lead_id: conv.lead_id,
        instance_id: conv.instance_id,
        provider: (
          await trx
            .selectFrom('instances')
            .select('provider')
            .where('id', '=', conv.instance_id)
            .executeTakeFirstOrThrow()
        ).provider,
        provider_message_id: placeholderId(id),
        direction: 'outbound',
        sender: 'agent',
        type: r.type ?? 'text',
        content: r.text === '' ? null : r.text,
        status: 'pending',
        // Whole seconds like every provider time, so that ordering by (timestamp, arrival) holds.
        timestamp: sentAt,
        extra: r.extra && Object.keys(r.extra).length > 0 ? JSON.stringify(r.extra) : null,
        is_probe: 0,
        arrival_seq: lastSeq + 1,
        created_at: now,
        client_id: r.clientId,
        sender_user_id: r.userId,
        status_error: null,
        status_at: now,
        send_attempts: 0,
        send_lease_until: null,
      };
      await trx.insertInto('messages').values(row).execute();
      if (r.media)
        await trx
          .insertInto('message_media')
          .values(readyMedia(r.tenantId, id, r.media, now))
          .execute();
      const isLatest = conv.last_message_at == null || sentAt >= Number(conv.last_message_at);
      const updated = isLatest
        ? {
            ...conv,
            last_message_at: sentAt,
            last_message_id: id,
            last_message_preview: previewText(r.text || `[${row.type}]`),
            updated_at: now,
          }
        : { ...conv, updated_at: now };
      await trx
        .updateTable('conversations')
        .set({
          last_message_at: updated.last_message_at,
          last_message_id: updated.last_message_id,
          last_message_preview: updated.last_message_preview,
          updated_at: now,
        })
        .where('id', '=', conv.id)
        .execute();
      const lead = leadPayload({
        id: conv.lead_id,
        name: conv.lead_name,
        phone: conv.lead_phone,
        display_name: conv.lead_display_name,
        attributes: conv.lead_attributes,
      });
      const message = messagePayload(row, conv.lead_phone);
      const body: EventBody = {
        type: 'new_message',
        lead_id: conv.lead_id,
        conversation_id: conv.id,
        lead,
        message,
        conversation: conversationSummary(updated),
      };
      const events = await appendEvents(trx, r.tenantId, lastSeq, [body], now);
      return { outcome: 'created', message, events };
    });
  }

  /**
   * Takes the send of a pending reply for this node until `leaseUntil`
   * (epoch ms); undefined when it is not pending any more, already has its
   * provider id, or another node holds a live lease.
   */
  async claimSend(
    tenantId: string,
    messageId: string,
    now: number,
    leaseUntil: number,
  ): Promise<SendJob | undefined> {
    const res = await this.write((trx) =>
      trx
        .updateTable('messages')
        .set((eb) => ({ send_lease_until: leaseUntil, send_attempts: eb('send_attempts', '+', 1) }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', messageId)
        .where('status', '=', 'pending')
        .where('direction', '=', 'outbound')
        .where('provider_message_id', 'like', `${PLACEHOLDER_PREFIX}%`)
        .where((eb) => eb.or([eb('send_lease_until', 'is', null), eb('send_lease_until', '<', now)]))
        .executeTakeFirst(),
    );
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    const message = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', messageId)
      .executeTakeFirst();
    if (!message) return undefined;
    const target = await this.replyTarget(tenantId, message.conversation_id);
    return target ? { message, target } : undefined;
  }

  /** Extends this node's lease for the next attempt and counts it; false when the reply is no longer ours to send. */
  async renewSend(
    messageId: string,
    leaseUntil: number,
  ): Promise<{ ok: boolean; providerMessageId: string }> {
    return this.write(async (trx) => {
      const row = await trx
        .selectFrom('messages')
        .select(['status', 'provider_message_id'])
        .where('id', '=', messageId)
        .executeTakeFirst();
      if (row?.status !== 'pending' || !isPlaceholder(row.provider_message_id)) {
        return { ok: false, providerMessageId: row?.provider_message_id ?? '' };
      }
      await trx
        .updateTable('messages')
        .set((eb) => ({ send_lease_until: leaseUntil, send_attempts: eb('send_attempts', '+', 1) }))
        .where('id', '=', messageId)
        .execute();
      return { ok: true, providerMessageId: row.provider_message_id };
    });
  }

  /** Gives up this node's lease (a stopping node), so that any node can resume the reply at once. */
  async releaseSend(messageId: string): Promise<void> {
    await this.write((trx) =>
      trx.updateTable('messages').set({ send_lease_until: null }).where('id', '=', messageId).execute(),
    );
  }

  /** The message's current status and provider id (to stop a send an echo already settled). */
  async sendState(messageId: string): Promise<{ status: string; providerMessageId: string } | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select(['status', 'provider_message_id'])
      .where('id', '=', messageId)
      .executeTakeFirst();
    return row ? { status: row.status, providerMessageId: row.provider_message_id } : undefined;
  }

  /** Pending replies no node is sending (lease free) and older than `olderThan` (epoch ms). */
  async stalledSends(
    now: number,
    olderThan: number,
    limit: number,
  ): Promise<{ tenantId: string; messageId: string }[]> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['tenant_id', 'id'])
      .where('status', '=', 'pending')
      .where('direction', '=', 'outbound')
      .where('provider_message_id', 'like', `${PLACEHOLDER_PREFIX}%`)
      .where('created_at', '<', olderThan)
      .where((eb) => eb.or([eb('send_lease_until', 'is', null), eb('send_lease_until', '<', now)]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, messageId: r.id }));
  }

  recordSent(p: {
    tenantId: string;
    messageId: string;
    providerMessageId: string;
    at: number;
  }): Promise<RecordSentResult> {
    return this.write((trx) => recordSent(trx, p));
  }

  markFailed(p: {
    tenantId: string;
    messageId: string;
    error: { code: string; message: string };
    at: number;
  }): Promise<{ changed: boolean; events: TenantEvent[] }> {
    return this.write((trx) => markFailed(trx, p));
  }

  /** Puts a failed reply back to `pending` (same id) so that it is sent again. */
  resetForRetry(tenantId: string, messageId: string): Promise<RetryResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      const row = await messageRow(trx, tenantId, messageId);
      if (lastSeq === undefined || !row) return { outcome: 'not_found' };
      if (row.direction !== 'outbound' || row.status !== 'failed' || !RETRYABLE_TYPES.has(row.type)) {
        return { outcome: 'not_failed', status: row.status };
      }
      const now = Date.now();
      if (!isPlaceholder(row.provider_message_id)) {
        // It failed after the provider took it: this is a new send with a new provider id.
        row.provider_message_id = placeholderId(row.id);
        await trx
          .updateTable('messages')
          .set({ provider_message_id: row.provider_message_id })
          .where('id', '=', row.id)
          .execute();
      }
      await trx.updateTable('messages').set({ send_attempts: 0 }).where('id', '=', row.id).execute();
      row.send_lease_until = null;
      const body = await advanceStatus(trx, row, 'pending', null, now, true);
      const events = body ? await appendEvents(trx, tenantId, lastSeq, [body], now) : [];
      return { outcome: 'reset', message: messagePayload(row, row.lead_phone), events };
    });
  }

  /**
   * An agent read the conversation: unread back to 0 and a
   * `conversation_updated` event (only when there was something unread).
   */
  markRead(tenantId: string, conversationId: string): Promise<ReadResult> {
    return this.write((trx) => markConversationRead(trx, tenantId, conversationId));
  }
}

/**
 * Reads the messages Evolution API v2 holds for an instance (backfill, #12):
 * `POST {base url}/chat/findMessages/{instance}` (Evolution's
 * `src/api/routes/chat.router.ts` → `ChannelStartupService.fetchMessages` in
 * `src/api/services/channel.service.ts`), and turns one stored record into
 * what the webhook parser reads. Evolution keeps messages only with
 * DATABASE_SAVE_DATA_NEW_MESSAGE=true, and stores each one before it posts
 * the webhook, so a message whose webhook never came is here.
 */
import type { InboundMessage, Instance } from '../../core/index.js';
import { ProviderSendError, SendErrorCode } from '../../core/index.js';
import { isObj } from '../json-read.js';
import { evolutionCall } from './client.js';
import { parseUpsertItem, toCount } from './parse.js';
import type { ParsedEvolutionMessage, UpsertItem } from './types.js';

/** Largest page Newton asks for (Evolution takes any `offset`; a huge one is one huge query). */
export const MAX_HISTORY_PAGE = 1000;

export interface HistoryQuery {
  /** Epoch ms, inclusive (Evolution compares whole seconds). */
  since: number;
  /** Epoch ms, inclusive. */
  until: number;
  /** 1-based. */
  page: number;
  /** Records per page (Evolution's `offset`). */
  pageSize: number;
}

/** One page of findMessages: `{messages: {total, pages, currentPage, records}}`. */
export interface HistoryPage {
  /** Records matching the window, over all pages. */
  total: number;
  pages: number;
  currentPage: number;
  /** Newest first (`orderBy: {messageTimestamp: 'desc'}`); each checked by parseHistoryRecord. */
  records: unknown[];
}

function invalidAnswer(reason: string, status: number): ProviderSendError {
  return new ProviderSendError({
    code: SendErrorCode.INVALID_PROVIDER_ANSWER,
    reason: `Evolution findMessages answered ${status} ${reason}`,
    retryable: false,
    status,
  });
}

/**
 * One page of the instance's stored messages with `messageTimestamp` in
 * [since, until]. The window goes as ISO strings: Evolution reads each bound
 * with `new Date(v)` and applies it only when both `gte` and `lte` are given
 * (epoch seconds would be read as milliseconds). Rejects with a
 * ProviderSendError, classified like a send (timeout, unreachable, 401, 5xx…).
 */
export async function findMessages(
  instance: Instance,
  q: HistoryQuery,
  signal: AbortSignal,
): Promise<HistoryPage> {
  const path = `/chat/findMessages/${encodeURIComponent(instance.name)}`;
  const payload = {
    where: {
      messageTimestamp: { gte: new Date(q.since).toISOString(), lte: new Date(q.until).toISOString() },
    },
    page: q.page,
    offset: Math.min(Math.max(1, q.pageSize), MAX_HISTORY_PAGE),
  };
  const { status, body } = await evolutionCall(instance, path, payload, signal);
  const messages = isObj(body) ? body.messages : undefined;
  if (!isObj(messages)) throw invalidAnswer('without "messages"', status);
  if (!Array.isArray(messages.records)) throw invalidAnswer('without "messages.records"', status);
  const count = (v: unknown) => toCount(v) ?? 0;
  return {
    total: count(messages.total),
    pages: count(messages.pages),
    currentPage: count(messages.currentPage) || q.page,
    records: messages.records,
  };
}

/** Evolution's delivery status names (`src/utils/renderStatus.ts`), furthest last. */
const STATUS_RANK = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'];

/**
 * The furthest delivery status among a record's `MessageUpdate` rows: the
 * stored message has no `status` column in the answer (the webhook's `data`
 * has one), so a sent message's status comes from its updates.
 */
function statusOfUpdates(updates: unknown): string | undefined {
  if (!Array.isArray(updates)) return undefined;
  let best = -1;
  for (const u of updates) {
    const rank = isObj(u) && typeof u.status === 'string' ? STATUS_RANK.indexOf(u.status) : -1;
    // ERROR is final whatever came before it.
    if (rank === 0) return 'ERROR';
    best = Math.max(best, rank);
  }
  return best > 0 ? STATUS_RANK[best] : undefined;
}

/**
 * Reads one findMessages record (Prisma `select` of `id, key, pushName,
 * messageType, message, messageTimestamp, instanceId, source, contextInfo,
 * MessageUpdate`) as the webhook parser reads a `messages.upsert` item. A
 * record is not byte-identical to the webhook's `data` (no `status`, a DB
 * `id`, `MessageUpdate` rows); what the parser needs is the same. Never
 * throws: a malformed record is `invalid` with a reason.
 */
export function parseHistoryRecord(record: unknown): UpsertItem {
  if (!isObj(record)) return { kind: 'invalid', reason: 'record must be an object' };
  const seconds = toCount(record.messageTimestamp);
  if (seconds === null || seconds === 0) {
    return {
      kind: 'invalid',
      reason:
        record.messageTimestamp === undefined
          ? 'missing "messageTimestamp"'
          : '"messageTimestamp" must be a positive whole number of seconds',
    };
  }
  const status = statusOfUpdates(record.MessageUpdate);
  return parseUpsertItem({ ...record, status }, seconds * 1000);
}

/** A parsed Evolution message as the pipeline ingests it for `instance`. */
export function evolutionInbound(m: ParsedEvolutionMessage, instance: Instance): InboundMessage {
  const { party, pushName, ...rest } = m;
  return {
    ...rest,
    tenantId: instance.tenantId,
    instanceId: instance.id,
    provider: 'evolution',
    lead: { phone: party.phone, lid: party.lid, name: pushName },
    replyTo: party.replyTo,
  };
}

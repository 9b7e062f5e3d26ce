/**
 * A conversation's messages opened at one of them (a search result, #15 §6):
 * every message newer than it (at most AROUND_MAX_NEWER), the message itself
 * and up to `limit - 1` older ones, newest first, so the thread a client
 * shows stays contiguous from its newest message down; `next_cursor`
 * continues with older ones exactly like `listMessages`.
 */
import type { MessagePayload, Page } from '@newton/protocol';
import { type Kysely, sql } from 'kysely';
import { encodeCursor, messagePayload } from './mappers.js';
import type { Database } from './schema.js';

/** Newer messages a window carries at most; beyond, the newest are left for the live stream. */
export const AROUND_MAX_NEWER = 1000;

export async function messagesAround(
  db: Kysely<Database>,
  tenantId: string,
  conversationId: string,
  messageId: string,
  limit: number,
): Promise<Page<MessagePayload> | undefined> {
  const target = await db
    .selectFrom('messages')
    .select(['timestamp', 'arrival_seq'])
    .where('tenant_id', '=', tenantId)
    .where('conversation_id', '=', conversationId)
    .where('id', '=', messageId)
    .where('is_probe', '=', 0)
    .executeTakeFirst();
  if (!target) return undefined;
  const base = db
    .selectFrom('messages as m')
    .innerJoin('leads as l', 'l.id', 'm.lead_id')
    .selectAll('m')
    .select('l.phone as lead_phone')
    .where('m.tenant_id', '=', tenantId)
    .where('m.conversation_id', '=', conversationId)
    .where('m.is_probe', '=', 0);
  const [ts, seq] = [Number(target.timestamp), Number(target.arrival_seq ?? 0)];
  const key = sql<boolean>`(${sql.ref('m.timestamp')} > ${ts} or (${sql.ref('m.timestamp')} = ${ts} and ${sql.ref('m.arrival_seq')} > ${seq}))`;
  const [newer, older] = await Promise.all([
    base
      .where(key)
      .orderBy('m.timestamp', 'asc')
      .orderBy('m.arrival_seq', 'asc')
      .limit(AROUND_MAX_NEWER)
      .execute(),
    base
      .where(sql<boolean>`not ${key}`)
      .orderBy('m.timestamp', 'desc')
      .orderBy('m.arrival_seq', 'desc')
      .limit(limit + 1)
      .execute(),
  ]);
  const more = older.length > limit;
  const kept = more ? older.slice(0, limit) : older;
  const rows = [...newer.reverse(), ...kept];
  const last = kept.at(-1);
  return {
    items: rows.map((r) => messagePayload(r, r.lead_phone)),
    next_cursor: more && last ? encodeCursor(Number(last.timestamp), String(last.arrival_seq)) : null,
  };
}

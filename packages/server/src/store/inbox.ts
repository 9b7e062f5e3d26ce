import type { ConversationState, LeadListItem, MessagePayload, Page } from '@newton/protocol';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import {
  conversationLabels,
  conversationSummary,
  decodeCursor,
  encodeCursor,
  leadPayload,
  messagePayload,
  toIso,
} from './mappers.js';
import { messagesAround } from './message-window.js';
import type { Database } from './schema.js';

type ConversationRow = Parameters<typeof conversationSummary>[0] & {
  lead_name: string | null;
  lead_phone: string | null;
  lead_picture_url?: string | null;
  lead_display_name: string | null;
  lead_attributes: string | null;
};

export function conversationItem(row: ConversationRow): ConversationState {
  return {
    ...conversationSummary(row),
    lead: leadPayload({
      id: row.lead_id,
      name: row.lead_name,
      phone: row.lead_phone,
      picture_url: row.lead_picture_url ?? null,
      display_name: row.lead_display_name,
      attributes: row.lead_attributes,
    }),
    last_message_preview: row.last_message_preview,
    last_message_id: row.last_message_id,
    created_at: toIso(row.created_at),
    last_read_at: row.last_read_at == null ? null : toIso(row.last_read_at),
    snoozed_until: row.snoozed_until == null ? null : toIso(row.snoozed_until),
    labels: conversationLabels(row.labels),
    notes_count: Number(row.notes_count ?? 0),
    assignee_id: row.assignee_id ?? null,
  };
}

function leadListItem(
  row: Parameters<typeof leadPayload>[0] & { created_at: number; updated_at: number },
): LeadListItem {
  return { ...leadPayload(row), created_at: toIso(row.created_at), updated_at: toIso(row.updated_at) };
}

/** `%…%` LIKE pattern for `text`, with `!` escaping the wildcards (pair with `escape '!'`). */
function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this server issued');
  }
}

/**
 * Keyset condition for a `(timeCol desc, idCol desc)` order: the rows after `cursor`.
 * `parseId` turns the cursor's id into the id column's value (null refuses it).
 */
function after(
  cursor: string,
  timeCol: string,
  idCol: string,
  parseId: (id: string) => string | number | null = (id) => id,
): RawBuilder<boolean> {
  const cur = decodeCursor(cursor);
  const id = cur && parseId(cur.id);
  if (!cur || id == null) throw new InvalidCursorError();
  const time = sql.ref(timeCol);
  return sql<boolean>`(${time} < ${cur.time} or (${time} = ${cur.time} and ${sql.ref(idCol)} < ${id}))`;
}

/** One page from `limit + 1` rows: the first `limit` as items, the cursor after the last if more remain. */
function toPage<R, T>(
  rows: R[],
  limit: number,
  item: (row: R) => T,
  key: (row: R) => [time: number, id: string],
): Page<T> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { items: page.map(item), next_cursor: more && last ? encodeCursor(...key(last)) : null };
}

/** Read side of the inbox, always scoped to one tenant. */
export class InboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Conversations by last activity, newest first. */
  async listConversations(
    tenantId: string,
    opts: {
      limit: number;
      cursor?: string | undefined;
      status?: string | undefined;
      /** Only conversations carrying this label (an id of the tenant's). */
      label?: string | undefined;
      /** true: only those with unread messages; false: only those without. */
      unread?: boolean | undefined;
      /** Only those of this user (`mine`: the caller), or `null`: only unassigned ones. */
      assignee?: string | null | undefined;
    },
  ): Promise<Page<ConversationState>> {
    let q = this.conversations(tenantId)
      .where('c.last_message_id', 'is not', null)
      // Diagnostics probes (newton doctor) stay out of the inbox.
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('messages as pm')
              .select('pm.id')
              .whereRef('pm.id', '=', 'c.last_message_id')
              .where('pm.is_probe', '=', 1),
          ),
        ),
      )
      .orderBy('c.last_message_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(opts.limit + 1);
    // `closed` (before #15) is `resolved`; rows were migrated, the alias stays for clients.
    if (opts.status) q = q.where('c.status', '=', opts.status === 'closed' ? 'resolved' : opts.status);
    const label = opts.label;
    if (label) {
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('conversation_labels as cl')
            .select('cl.label_id')
            .whereRef('cl.conversation_id', '=', 'c.id')
            .where('cl.label_id', '=', label),
        ),
      );
    }
    if (opts.unread !== undefined) q = q.where('c.unread_count', opts.unread ? '>' : '=', 0);
    if (opts.status) q = q.where('c.status', '=', opts.status);
    if (opts.assignee === null) q = q.where('c.assignee_id', 'is', null);
    else if (opts.assignee !== undefined) q = q.where('c.assignee_id', '=', opts.assignee);
    if (opts.cursor) q = q.where(after(opts.cursor, 'c.last_message_at', 'c.id'));
    return toPage(await q.execute(), opts.limit, conversationItem, (row) => [
      Number(row.last_message_at ?? 0),
      row.id,
    ]);
  }

  async getConversation(tenantId: string, id: string): Promise<ConversationState | undefined> {
    const row = await this.conversations(tenantId).where('c.id', '=', id).executeTakeFirst();
    return row ? conversationItem(row) : undefined;
  }

  /** Every conversation of one lead of the tenant, on any number, by last activity (lead panel). */
  async leadConversations(tenantId: string, leadId: string): Promise<ConversationState[]> {
    const rows = await this.conversations(tenantId)
      .where('c.lead_id', '=', leadId)
      .orderBy('c.last_message_at', 'desc')
      .orderBy('c.id', 'desc')
      .execute();
    return rows.map(conversationItem);
  }

  /** Messages opened at `messageId` (message-window.ts); undefined when it is not in the conversation. */
  messagesAround(tenantId: string, conversationId: string, messageId: string, limit: number) {
    return messagesAround(this.db, tenantId, conversationId, messageId, limit);
  }

  /** Several conversations of the tenant by id (search results), in no particular order. */
  async conversationsByIds(tenantId: string, ids: string[]): Promise<ConversationState[]> {
    if (ids.length === 0) return [];
    return (await this.conversations(tenantId).where('c.id', 'in', ids).execute()).map(conversationItem);
  }

  /** The tenant's conversations (`c`) with their lead's name and phone (`l`). */
  private conversations(tenantId: string) {
    return this.db
      .selectFrom('conversations as c')
      .innerJoin('leads as l', 'l.id', 'c.lead_id')
      .selectAll('c')
      .select(['l.name as lead_name', 'l.phone as lead_phone', 'l.picture_url as lead_picture_url'])
      .select(['l.display_name as lead_display_name', 'l.attributes as lead_attributes'])
      .where('c.tenant_id', '=', tenantId);
  }

  /** A conversation's messages, newest first; `next_cursor` continues with older ones. */
  async listMessages(
    tenantId: string,
    conversationId: string,
    opts: { limit: number; cursor?: string | undefined },
  ): Promise<Page<MessagePayload>> {
    let q = this.db
      .selectFrom('messages as m')
      .innerJoin('leads as l', 'l.id', 'm.lead_id')
      .selectAll('m')
      .select('l.phone as lead_phone')
      .where('m.tenant_id', '=', tenantId)
      .where('m.conversation_id', '=', conversationId)
      .where('m.is_probe', '=', 0)
      .orderBy('m.timestamp', 'desc')
      .orderBy('m.arrival_seq', 'desc')
      .limit(opts.limit + 1);
    if (opts.cursor) {
      const arrival = (id: string) => (Number.isSafeInteger(Number(id)) ? Number(id) : null);
      q = q.where(after(opts.cursor, 'm.timestamp', 'm.arrival_seq', arrival));
    }
    return toPage(
      await q.execute(),
      opts.limit,
      (row) => messagePayload(row, row.lead_phone),
      (row) => [Number(row.timestamp), String(row.arrival_seq)],
    );
  }

  /**
   * Leads by last change, newest first. `q` matches the name (case-insensitive
   * substring) or, when it is number-like, the phone's digits. Leads whose only
   * messages are diagnostics probes are left out.
   */
  async listLeads(
    tenantId: string,
    opts: { limit: number; cursor?: string | undefined; q?: string | undefined },
  ): Promise<Page<LeadListItem>> {
    let q = this.db
      .selectFrom('leads as l')
      .selectAll('l')
      .where('l.tenant_id', '=', tenantId)
      // Diagnostics probes (newton doctor) stay out: a probe message and no other.
      .where(({ or, not, exists, selectFrom }) =>
        or([
          not(
            exists(
              selectFrom('messages as pm')
                .select('pm.id')
                .whereRef('pm.lead_id', '=', 'l.id')
                .where('pm.is_probe', '=', 1),
            ),
          ),
          exists(
            selectFrom('messages as rm')
              .select('rm.id')
              .whereRef('rm.lead_id', '=', 'l.id')
              .where('rm.is_probe', '=', 0),
          ),
        ]),
      )
      .orderBy('l.updated_at', 'desc')
      .orderBy('l.id', 'desc')
      .limit(opts.limit + 1);
    const text = opts.q?.trim();
    if (text) {
      // Only a number-like q (digits and + - ( ) . spaces) is also matched against phones.
      const digits = /^[\d\s()+.-]+$/.test(text) ? text.replace(/\D/g, '') : '';
      const pattern = containsPattern(text.toLowerCase());
      // The WhatsApp profile name or the agents' name for the lead (lead panel, #15).
      const name = sql<boolean>`(lower(${sql.ref('l.name')}) like ${pattern} escape '!' or lower(${sql.ref('l.display_name')}) like ${pattern} escape '!')`;
      q = q.where((eb) => (digits ? eb.or([name, eb('l.phone', 'like', containsPattern(digits))]) : name));
    }
    if (opts.cursor) q = q.where(after(opts.cursor, 'l.updated_at', 'l.id'));
    return toPage(await q.execute(), opts.limit, leadListItem, (row) => [Number(row.updated_at), row.id]);
  }

  async getLead(tenantId: string, id: string): Promise<LeadListItem | undefined> {
    const row = await this.db
      .selectFrom('leads')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? leadListItem(row) : undefined;
  }
}

/**
 * Internal notes (#15): written by agents on a conversation, for the team
 * only. A note is stored with its `note_added` event (carrying the
 * conversation, `notes_count` grown) in one transaction under the tenant
 * lock. Nothing here reaches a provider: notes are not messages.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationState, NotePayload, Page } from '@newton/protocol';
import { type Kysely, sql } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { conversationItem, InvalidCursorError } from './inbox.js';
import { decodeCursor, encodeCursor, toIso } from './mappers.js';
import { conversationRow } from './read-state.js';
import type { Database, NotesTable } from './schema.js';

export type AddNoteResult =
  | { outcome: 'added'; note: NotePayload; conversation: ConversationState; events: TenantEvent[] }
  | { outcome: 'not_found' };

export function notePayload(row: NotesTable): NotePayload {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    text: row.text,
    author_id: row.author_id,
    created_at: toIso(row.created_at),
  };
}

export class NoteStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {}

  /** Stores a note on a conversation of the tenant; `not_found` (nothing stored) for any other. */
  add(tenantId: string, conversationId: string, authorId: string, text: string): Promise<AddNoteResult> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      const conv = await conversationRow(trx, tenantId, conversationId);
      if (lastSeq === undefined || !conv) return { outcome: 'not_found' };
      const now = Date.now();
      const row: NotesTable = {
        id: randomUUID(),
        tenant_id: tenantId,
        conversation_id: conv.id,
        author_id: authorId,
        text,
        created_at: now,
      };
      await trx.insertInto('notes').values(row).execute();
      const notesCount = Number(conv.notes_count ?? 0) + 1;
      await trx
        .updateTable('conversations')
        .set({ notes_count: sql`notes_count + 1`, updated_at: now })
        .where('id', '=', conv.id)
        .execute();
      const note = notePayload(row);
      const conversation = conversationItem({ ...conv, notes_count: notesCount, updated_at: now });
      const events = await appendEvents(
        trx,
        tenantId,
        lastSeq,
        [{ type: 'note_added', conversation_id: conv.id, note, conversation }],
        now,
      );
      return { outcome: 'added', note, conversation, events };
    });
  }

  /** A conversation's notes, newest first; `next_cursor` continues with older ones. */
  async list(
    tenantId: string,
    conversationId: string,
    opts: { limit: number; cursor?: string | undefined },
  ): Promise<Page<NotePayload>> {
    let q = this.db
      .selectFrom('notes')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(opts.limit + 1);
    if (opts.cursor) {
      const cur = decodeCursor(opts.cursor);
      if (!cur) throw new InvalidCursorError();
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', cur.time),
          eb.and([eb('created_at', '=', cur.time), eb('id', '<', cur.id)]),
        ]),
      );
    }
    const rows = await q.execute();
    const more = rows.length > opts.limit;
    const page = more ? rows.slice(0, opts.limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map(notePayload),
      next_cursor: more && last ? encodeCursor(Number(last.created_at), last.id) : null,
    };
  }
}

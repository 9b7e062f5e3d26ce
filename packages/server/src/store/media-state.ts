/**
 * What became of each message's media bytes (migration 009): the media
 * keeper's queue and record. `ready` and `failed` append `media_ready` /
 * `media_failed` to the tenant's log in the same transaction, so every
 * socket sees them once, in seq order, replayable. Knows nothing of
 * providers or of where the bytes are kept.
 */
import type { EventBody } from '@newton/protocol';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { TenantEvent } from '../core/index.js';
import { appendEvents, lockTenant } from './event-log.js';
import type { Write } from './inbound.js';
import { toIso } from './mappers.js';
import { pendingRow } from './media-pending.js';
import type { Database, MessageMediaTable } from './schema.js';

export type MediaState = 'pending' | 'ready' | 'failed';

/** A message's media as the keeper recorded it. */
export interface MediaRecord {
  messageId: string;
  tenantId: string;
  state: MediaState;
  storageKey: string | null;
  sha256: string | null;
  size: number | null;
  mimeType: string | null;
  fileName: string | null;
  attempts: number;
  lastError: string | null;
  lastErrorDetail: string | null;
  nextAttemptAt: number | null;
}

/** Bytes now in the media store. */
export interface StoredFile {
  storageKey: string;
  sha256: string;
  size: number;
  mimeType: string;
  fileName: string | null;
}

export interface MediaFailure {
  /** Stable code (`timeout`, `provider_unavailable`, `store_unavailable`, `too_large`…). */
  reason: string;
  detail: string;
  /** When to try again (epoch ms); null gives up. */
  retryAt: number | null;
  /** The bytes were fetched but not stored: their SHA-256 and type, to find them in the spool. */
  fetched?: { sha256: string; mimeType: string } | undefined;
}

function recordOf(row: Selectable<MessageMediaTable>): MediaRecord {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    messageId: row.message_id,
    tenantId: row.tenant_id,
    state: row.state as MediaState,
    storageKey: row.storage_key,
    sha256: row.sha256,
    size: num(row.size),
    mimeType: row.mime_type,
    fileName: row.file_name,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    lastErrorDetail: row.last_error_detail,
    nextAttemptAt: num(row.next_attempt_at),
  };
}

async function current(trx: Transaction<Database>, tenantId: string, messageId: string) {
  return trx
    .selectFrom('message_media as mm')
    .innerJoin('messages as m', 'm.id', 'mm.message_id')
    .selectAll('mm')
    .select('m.conversation_id')
    .where('mm.tenant_id', '=', tenantId)
    .where('mm.message_id', '=', messageId)
    .executeTakeFirst();
}

/** The media keeper's rows: one per message with media. */
export class MediaStateStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly write: Write,
  ) {}

  /** Starts tracking a message's media (`pending`, due now); false when it already is tracked. */
  async track(tenantId: string, messageId: string, now: number): Promise<boolean> {
    const res = await this.write(
      (trx) =>
        trx
          .insertInto('message_media')
          .values(pendingRow(tenantId, messageId, now))
          .onConflict((oc) => oc.column('message_id').doNothing())
          .executeTakeFirst(),
      true,
    );
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** The record of `messageId` in `tenantId`; undefined when none (or another tenant's). */
  async record(tenantId: string, messageId: string): Promise<MediaRecord | undefined> {
    const row = await this.db
      .selectFrom('message_media')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    return row ? recordOf(row) : undefined;
  }

  /**
   * Takes the media for one attempt (counted) until `leaseUntil`; returns the
   * record as claimed, or undefined when it is ready or another node holds it.
   */
  async claim(messageId: string, now: number, leaseUntil: number): Promise<MediaRecord | undefined> {
    return this.write(async (trx) => {
      const res = await trx
        .updateTable('message_media')
        .set((eb) => ({ lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
        .where('message_id', '=', messageId)
        .where('state', '!=', 'ready')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return undefined;
      const row = await trx
        .selectFrom('message_media')
        .selectAll()
        .where('message_id', '=', messageId)
        .executeTakeFirstOrThrow();
      return recordOf(row);
    }, true);
  }

  /** Media whose next attempt is due and that no node holds, oldest due first. */
  async due(now: number, limit: number): Promise<{ tenantId: string; messageId: string }[]> {
    const rows = await this.db
      .selectFrom('message_media')
      .select(['tenant_id', 'message_id'])
      .where('state', 'in', ['pending', 'failed'])
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, messageId: r.message_id }));
  }

  /**
   * One change of a media not ready yet, in a write under the tenant's lock:
   * `change` updates the row and says which event (if any) to append.
   */
  private change(
    tenantId: string,
    messageId: string,
    now: number,
    change: (
      trx: Transaction<Database>,
      row: NonNullable<Awaited<ReturnType<typeof current>>>,
    ) => Promise<EventBody | null>,
  ): Promise<TenantEvent[]> {
    return this.write(async (trx) => {
      const lastSeq = await lockTenant(trx, tenantId);
      const row = await current(trx, tenantId, messageId);
      if (lastSeq === undefined || !row || row.state === 'ready') return [];
      const body = await change(trx, row);
      return body ? appendEvents(trx, tenantId, lastSeq, [body], now) : [];
    }, true);
  }

  /** Records the bytes as stored and appends `media_ready` (once: nothing when already ready). */
  async ready(tenantId: string, messageId: string, file: StoredFile, now: number): Promise<TenantEvent[]> {
    return this.change(tenantId, messageId, now, async (trx, row) => {
      await trx
        .updateTable('message_media')
        .set({
          state: 'ready',
          storage_key: file.storageKey,
          sha256: file.sha256,
          size: file.size,
          mime_type: file.mimeType,
          file_name: file.fileName,
          last_error: null,
          last_error_detail: null,
          next_attempt_at: null,
          lease_until: null,
          updated_at: now,
        })
        .where('message_id', '=', messageId)
        .execute();
      return {
        type: 'media_ready',
        message_id: messageId,
        conversation_id: row.conversation_id,
        media: { mime_type: file.mimeType, size: file.size, sha256: file.sha256, file_name: file.fileName },
      };
    });
  }

  /**
   * Records a failed attempt and releases the media. `media_failed` is
   * appended when the media first fails and when Newton gives up
   * (`retryAt` null); a retry that fails again only moves the next attempt.
   */
  async failed(tenantId: string, messageId: string, f: MediaFailure, now: number): Promise<TenantEvent[]> {
    return this.change(tenantId, messageId, now, async (trx, row) => {
      await trx
        .updateTable('message_media')
        .set({
          state: 'failed',
          last_error: f.reason,
          last_error_detail: f.detail,
          ...(f.fetched ? { sha256: f.fetched.sha256, mime_type: f.fetched.mimeType } : {}),
          next_attempt_at: f.retryAt,
          lease_until: null,
          updated_at: now,
        })
        .where('message_id', '=', messageId)
        .execute();
      if (row.state === 'failed' && f.retryAt !== null) return null;
      return {
        type: 'media_failed',
        message_id: messageId,
        conversation_id: row.conversation_id,
        reason: f.reason,
        detail: f.detail,
        attempts: Number(row.attempts),
        retry_at: f.retryAt === null ? null : toIso(f.retryAt),
      };
    });
  }

  /** Gives the media back without counting a failure (the node is stopping). */
  async release(messageId: string): Promise<void> {
    await this.write(
      (trx) =>
        trx
          .updateTable('message_media')
          .set({ lease_until: null })
          .where('message_id', '=', messageId)
          .execute(),
      true,
    );
  }
}

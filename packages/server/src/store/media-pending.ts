import type { Insertable } from 'kysely';
import type { MessageMediaTable } from './schema.js';

/**
 * The `pending` record of a message with media, written in the transaction
 * that stores the message: a node that stops right after the commit leaves
 * the media due, and any node's sweep fetches it (the keeper's own
 * `track` finds it there and does nothing more). None for a message without
 * media, or a diagnostics probe's.
 */
export function pendingMediaRow(
  m: { tenantId: string; isProbe?: boolean | undefined; extra: { media?: unknown } },
  messageId: string,
  now: number,
): Insertable<MessageMediaTable> | undefined {
  if (!m.extra.media || m.isProbe) return undefined;
  return pendingRow(m.tenantId, messageId, now);
}

/** A message's media record before any attempt: `pending`, due at `now`. */
export function pendingRow(tenantId: string, messageId: string, now: number): Insertable<MessageMediaTable> {
  return {
    message_id: messageId,
    tenant_id: tenantId,
    state: 'pending',
    storage_key: null,
    sha256: null,
    size: null,
    mime_type: null,
    file_name: null,
    attempts: 0,
    last_error: null,
    last_error_detail: null,
    next_attempt_at: now,
    lease_until: null,
    created_at: now,
    updated_at: now,
  };
}

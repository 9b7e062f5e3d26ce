/**
 * The media record of a file an agent uploaded to send (issue #15 §7): it is
 * `ready` from the start, its bytes already in the media store, so that
 * `GET /api/messages/{id}/media` serves it like any kept media.
 */

/** An upload kept in the media store (content-addressed). */
export interface StoredUpload {
  storageKey: string;
  sha256: string;
  size: number;
  mimeType: string;
  fileName: string | null;
}

/** The media record of an upload: `ready` at once, its bytes already in the media store. */
export function readyMedia(tenantId: string, messageId: string, u: StoredUpload, now: number) {
  return {
    message_id: messageId,
    tenant_id: tenantId,
    state: 'ready',
    storage_key: u.storageKey,
    sha256: u.sha256,
    size: u.size,
    mime_type: u.mimeType,
    file_name: u.fileName,
    attempts: 0,
    last_error: null,
    last_error_detail: null,
    next_attempt_at: null,
    lease_until: null,
    created_at: now,
    updated_at: now,
  };
}

/** Reply types a failed send may be retried for (what the CRM sends). */
export const RETRYABLE_TYPES = new Set(['text', 'image', 'document', 'audio', 'voice']);

/**
 * The REST shapes the inbox reads (docs/api.md §2). Messages and conversation
 * summaries are the same objects the socket's events carry, plus a few fields
 * the outbound API adds (`client_id`, `error`) and a few the inbox keeps for
 * itself (`local`).
 */
import type { ConversationSummary, LeadPayload, MessagePayload } from '@newton/protocol';

export type { ConversationSummary, LeadPayload, MessagePayload, MessageStatus } from '@newton/protocol';

/** A conversation as `GET /api/conversations` lists it. */
export interface Conversation extends ConversationSummary {
  lead: LeadPayload;
  last_message_preview: string | null;
  last_message_id: string | null;
  created_at?: string;
  /** When present (outbound API), whether an agent can reply now, and why not. */
  can_reply?: boolean;
  reply_blocked_reason?: string | null;
}

/** A message of a thread: the API's message, plus what the inbox tracks locally. */
export interface Message extends MessagePayload {
  client_id?: string | null;
  error?: { code: string; message: string } | null;
  /** Set on the optimistic row of a reply that the server has not answered yet. */
  local?: 'sending' | 'unsent';
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Me {
  user_id: string;
  tenant_id: string;
  tenants: string[];
  role: 'agent' | 'admin';
}

/** `GET /api/admin/diagnostics` (the doctor's view of a tenant). */
export interface Diagnostics {
  tenant_id: string;
  ok: boolean;
  checked_at: string;
  node: string;
  hops: {
    id: string;
    title: string;
    ok: boolean;
    /** `warn` is ok but worth a look; `skip` was not checked. */
    status?: 'pass' | 'warn' | 'fail' | 'skip';
    detail: string;
    evidence?: unknown;
    hint?: string | null;
  }[];
  unroutable: {
    received_at: string;
    provider: string;
    instance_name: string | null;
    outcome: string;
    reason: string | null;
    trace_id: string;
  }[];
  sockets: { node: string; count: number; users: number; channels: unknown; last_frame_at: string | null }[];
}

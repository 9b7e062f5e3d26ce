/**
 * The REST answers under `/api` (docs/api.md §2): what the server sends and
 * the inbox reads. Conversations and messages are the objects the socket's
 * events carry (events.ts); the diagnostics answers are in diagnostics.ts.
 */
import type {
  ConversationState,
  LabelPayload,
  LeadPayload,
  MessagePayload,
  NotePayload,
  User,
} from './events.js';

/** A list (`GET /api/conversations`, `…/{id}/messages`, `/api/leads`): newest first; repeat with `cursor=next_cursor` for more. */
export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  next_cursor: string | null;
}

/** `GET /api/me`: who the token speaks for. */
export interface Me {
  user_id: string;
  tenant_id: string;
  tenants: string[];
  role: 'agent' | 'admin';
}

/** `POST /api/login/exchange {code}`: an admin token for the tenant of a one-time sign-in link. */
export interface LoginExchangeAnswer {
  token: string;
  tenant_id: string;
  role: 'admin';
  user_id: string;
  expires_at: string;
}

/** A lead as `GET /api/leads` lists it and `GET /api/leads/{id}` answers it. */
export interface LeadListItem extends LeadPayload {
  created_at: string;
  updated_at: string;
}

/** `POST /api/conversations/{id}/messages` (a reply) and `POST /api/messages/{id}/retry`. */
export interface MessageAnswer {
  message: MessagePayload;
}

/** **[addition]** One approved WhatsApp Cloud API message template of a number (issue #15 §8). */
export interface MessageTemplatePayload {
  id: string;
  name: string;
  /** Language code, e.g. `es`, `en_US`; a template is named by name + language. */
  language: string;
  /** `MARKETING`, `UTILITY`, `AUTHENTICATION`. */
  category: string;
  status: string;
  /** The body with `{{1}}`… placeholders. */
  body: string | null;
  /** The body's placeholders in order: send one variable per placeholder. */
  placeholders: string[];
  header: string | null;
  footer: string | null;
}

/** **[addition]** `GET /api/instances/{id}/templates`: the number's approved templates (cached by the node). */
export interface TemplateListAnswer {
  items: MessageTemplatePayload[];
}

/** **[addition]** `POST /api/conversations`: a conversation started by an agent, and its first message. */
export interface ConversationStartedAnswer {
  conversation: ConversationState;
  message: MessagePayload;
}

/** `POST /api/conversations/{id}/read`: the conversation as it is now (also sent as `conversation_updated`). */
export interface ConversationAnswer {
  conversation: ConversationState;
}

/** `POST /api/conversations/{id}/notes`: the note as stored (also sent as `note_added`). */
export interface NoteAnswer {
  note: NotePayload;
  conversation: ConversationState;
}

/** `GET /api/labels`: the tenant's labels by name. */
export interface LabelList {
  items: LabelPayload[];
}

/** `POST|PATCH /api/labels[/{id}]`: the label as stored. */
export interface LabelAnswer {
  label: LabelPayload;
}

/** A user as the admin API shows it: with email and times. */
export interface AdminUser extends User {
  email: string | null;
  /** ISO-8601 time it was disabled, or null. */
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

/** `GET /api/users`: every user of the tenant, by name. */
export interface UsersAnswer {
  items: User[];
}

/** `PUT /api/conversations/{id}/assignee` body: a user id, or null to unassign. */
export interface AssignRequest {
  assignee_id: string | null;
}

/** `GET|PUT /api/admin/settings/assignment`: round-robin of new conversations among online agents. */
export interface AssignmentSettings {
  auto_assign: boolean;
}

/**
 * The tenant's users (#15): names and colours for the assign menu, the list's
 * assignee and the agent's name on outgoing bubbles (`GET /api/users`, read
 * once per session), and assigning a conversation
 * (`PUT /api/conversations/{id}/assignee`; the list follows the
 * `conversation_updated` the server sends). A `user_updated` (a user created,
 * renamed, recoloured, disabled) replaces the user at once, so bubbles, the
 * assignee and filters show the new name without a reload.
 */
import type { ConversationAnswer, User, UsersAnswer } from '@newton/protocol';
import { derived, get, writable } from 'svelte/store';
import { api } from './api.js';
import { inbox } from './inbox.js';
import { session } from './session.js';

/** Every user of the tenant by id (empty until loaded, or when the server has none). */
export const users = writable<Map<string, User>>(new Map());

let loadedFor: string | null = null;

/** Loads the users once per session (again after a sign-in as someone else). */
export async function loadUsers(force = false): Promise<void> {
  const s = get(session);
  if (!s) return;
  const key = `${s.tenantId}\n${s.userId}`;
  if (!force && loadedFor === key) return;
  loadedFor = key;
  inbox.me = s.userId;
  try {
    const answer = await api<UsersAnswer>('/api/users');
    users.set(new Map(answer.items.map((u) => [u.id, u])));
  } catch {
    loadedFor = null; // an older server, or offline: names fall back to ids
  }
}

/** A `user_updated` from the socket: the user as it is now (added if new). */
export function onUserUpdated(user: User): void {
  users.update(($users) => new Map($users).set(user.id, user));
}

/** The display name of a user id: the user's name when known, else the id itself. */
export const nameOf = derived(users, ($users) => (id: string) => $users.get(id)?.name ?? id);

/** Users a conversation can be given to: enabled ones, by name. */
export const assignable = derived(users, ($users) =>
  [...$users.values()].filter((u) => !u.disabled).sort((a, b) => a.name.localeCompare(b.name)),
);

/** Assigns `conversationId` to `assigneeId` (null: unassigns); the list takes the answer at once. */
export async function assign(conversationId: string, assigneeId: string | null): Promise<void> {
  const answer = await api<ConversationAnswer>(
    `/api/conversations/${encodeURIComponent(conversationId)}/assignee`,
    { method: 'PUT', body: { assignee_id: assigneeId } },
  );
  inbox.applySummary(answer.conversation);
}

/**
 * Who is online and who is typing (#15): `@newton/client/presence` on the
 * live service, as a Svelte store, plus the agents' display names (GET
 * /api/users when the server has it, else the token's `sub`). The tab being
 * hidden makes this agent `away` for the others.
 */
import type { WebSocketService } from '@newton/client';
import { type ConversationTyping, LivePresence } from '@newton/client/presence';
import type { AgentPresenceState } from '@newton/protocol';
import { writable } from 'svelte/store';
import { api } from './api.js';

export interface PresenceView {
  /** Every agent online or away, with their state. */
  agents: { id: string; state: AgentPresenceState }[];
  stateOf(userId: string): AgentPresenceState;
  typing(conversationId: string): ConversationTyping;
  /** The agent's name (GET /api/users), else their id. */
  nameOf(userId: string): string;
}

const names = new Map<string, string>();
let live: LivePresence | undefined;

function view(): PresenceView {
  return {
    agents: (live?.agents() ?? []).map((a) => ({ id: a.user_id, state: a.state })),
    stateOf: (u) => live?.stateOf(u) ?? 'offline',
    typing: (c) => live?.typing(c) ?? { agents: [], customer: null },
    nameOf: (u) => names.get(u) ?? u,
  };
}

export const presence = writable<PresenceView>(view());

/** Starts presence on `svc`; returns the stop function. */
export function startPresence(svc: WebSocketService): () => void {
  live?.destroy();
  const lp = new LivePresence(svc);
  live = lp;
  const offChange = lp.onChange(() => presence.set(view()));
  const onVisibility = () => lp.setAway(document.visibilityState === 'hidden');
  document.addEventListener('visibilitychange', onVisibility);
  onVisibility();
  void loadNames();
  presence.set(view());
  return () => {
    offChange();
    document.removeEventListener('visibilitychange', onVisibility);
    lp.destroy();
    if (live === lp) live = undefined;
    presence.set(view());
  };
}

/** The agent types in a conversation (throttled by the SDK). */
export function typingIn(conversationId: string): void {
  live?.typingIn(conversationId);
}

/** The draft was sent or cleared. */
export function stoppedTyping(conversationId: string): void {
  live?.stoppedTyping(conversationId);
}

/** Names from GET /api/users (agents and assignment, #15); a server without it leaves ids. */
async function loadNames(): Promise<void> {
  try {
    type User = { id: string; name?: string | null };
    const res = await api<{ items?: User[] } | User[]>('/api/users');
    for (const u of Array.isArray(res) ? res : (res.items ?? [])) if (u.name) names.set(u.id, u.name);
    presence.set(view());
  } catch {
    // No users route (or no access): ids stand in for names.
  }
}

/**
 * The conversation list: loaded page by page over REST, then kept current by
 * socket events (`new_message` carries the conversation after the message,
 * `conversation_updated` its new state, `conversation_merged` drops one into
 * another, `lead_*` the lead). Ordered by last
 * activity, newest first, like the API.
 */
import type {
  ConversationMergedEvent,
  ConversationState,
  ConversationStatus,
  ConversationUpdatedEvent,
  LeadPayload,
  NewMessageEvent,
  Page,
} from '@newton/protocol';
import { get, writable } from 'svelte/store';
import { ApiError, api } from './api.js';

export type StatusFilter = 'all' | ConversationStatus;
/** Whose conversations the list shows (#15): everyone's, the agent's own, or nobody's yet. */
export type OwnerFilter = 'all' | 'mine' | 'unassigned';

const PAGE = 50;

/** The preview the API gives a message without text (`[image]`, `[voice]`, …). */
export function previewOf(m: { content: string | null; type: string }): string {
  return m.content ? m.content.slice(0, 160) : `[${m.type}]`;
}

function byActivity(a: ConversationState, b: ConversationState): number {
  const ta = a.last_message_at ?? '';
  const tb = b.last_message_at ?? '';
  if (ta !== tb) return ta < tb ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

class InboxStore {
  readonly items = writable<ConversationState[]>([]);
  readonly loading = writable(false);
  readonly error = writable<string | null>(null);
  readonly nextCursor = writable<string | null>(null);
  readonly filter = writable<StatusFilter>('all');
  /** Only conversations with this label id ('' for any) (#15). */
  readonly labelFilter = writable<string>('');
  /** Only conversations with unread messages (#15). */
  readonly unreadOnly = writable(false);
  readonly owner = writable<OwnerFilter>('all');
  /** The signed-in user's id, for the `mine` filter (set by the page). */
  me: string | null = null;
  private readonly byId = new Map<string, ConversationState>();
  private generation = 0;

  /** (Re)loads the first page for the current filter. */
  async reload(): Promise<void> {
    const gen = ++this.generation;
    this.loading.set(true);
    this.error.set(null);
    try {
      const page = await this.fetchPage(null);
      if (gen !== this.generation) return;
      this.byId.clear();
      for (const c of page.items) this.byId.set(c.id, c);
      this.nextCursor.set(page.next_cursor);
      this.publish();
    } catch (err) {
      if (gen === this.generation) this.error.set(err instanceof Error ? err.message : String(err));
    } finally {
      if (gen === this.generation) this.loading.set(false);
    }
  }

  async loadMore(): Promise<void> {
    const cursor = get(this.nextCursor);
    if (!cursor || get(this.loading)) return;
    const gen = this.generation;
    this.loading.set(true);
    try {
      const page = await this.fetchPage(cursor);
      if (gen !== this.generation) return;
      for (const c of page.items) if (!this.byId.has(c.id)) this.byId.set(c.id, c);
      this.nextCursor.set(page.next_cursor);
      this.publish();
    } catch (err) {
      this.error.set(err instanceof Error ? err.message : String(err));
    } finally {
      this.loading.set(false);
    }
  }

  setFilter(f: StatusFilter): void {
    if (get(this.filter) === f) return;
    this.filter.set(f);
    void this.reload();
  }

  setLabelFilter(labelId: string): void {
    if (get(this.labelFilter) === labelId) return;
    this.labelFilter.set(labelId);
    void this.reload();
  }

  setUnreadOnly(on: boolean): void {
    if (get(this.unreadOnly) === on) return;
    this.unreadOnly.set(on);
    void this.reload();
  }

  setOwner(f: OwnerFilter): void {
    if (get(this.owner) === f) return;
    this.owner.set(f);
    void this.reload();
  }

  get(id: string): ConversationState | undefined {
    return this.byId.get(id);
  }

  /** Loads one conversation (a deep link to one not in the loaded pages). */
  async fetchOne(id: string): Promise<ConversationState | null> {
    try {
      const c = await api<ConversationState>(`/api/conversations/${encodeURIComponent(id)}`);
      this.upsert(c);
      return c;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  onNewMessage(e: NewMessageEvent): void {
    const prev = this.byId.get(e.conversation_id);
    // `new_message` does not say who owns the conversation: under "mine", ask (#15).
    if (!prev && get(this.owner) === 'mine') {
      void this.fetchOne(e.conversation_id).catch(() => {});
      return;
    }
    const summary = e.conversation;
    // A late-arriving older message does not move the conversation back (like the API).
    const newer = !prev?.last_message_at || (summary.last_message_at ?? '') >= prev.last_message_at;
    this.upsert({
      ...(prev ?? {
        created_at: e.occurred_at,
        last_read_at: null,
        snoozed_until: null,
        labels: [],
        notes_count: 0,
      }),
      ...summary,
      lead: e.lead,
      last_message_preview: newer ? previewOf(e.message) : (prev?.last_message_preview ?? null),
      last_message_id: newer ? e.message.id : (prev?.last_message_id ?? null),
      last_message_at: newer ? summary.last_message_at : (prev?.last_message_at ?? null),
    });
  }

  onConversationUpdated(e: ConversationUpdatedEvent): void {
    // Under an owner filter, a conversation can enter the list by a change (assigned to me).
    if (!this.byId.has(e.conversation.id) && get(this.owner) !== 'all') this.upsert(e.conversation);
    else this.applySummary(e.conversation);
  }

  /** Two conversations of one customer became one: the merged one leaves the list, the survivor is current. */
  onMerged(e: ConversationMergedEvent): void {
    this.byId.delete(e.conversation_id);
    this.upsert(e.into);
  }

  onLead(lead: LeadPayload): void {
    let changed = false;
    for (const c of this.byId.values()) {
      if (c.lead_id === lead.id) {
        this.byId.set(c.id, { ...c, lead });
        changed = true;
      }
    }
    if (changed) this.publish();
  }

  /** Applies a conversation's new state (read, closed, …) if the list has it. */
  applySummary(summary: ConversationState): void {
    const prev = this.byId.get(summary.id);
    if (!prev) return;
    this.upsert({ ...prev, ...summary });
  }

  /** Marks read locally at once (the server confirms with `conversation_updated`). */
  clearUnread(id: string): void {
    const prev = this.byId.get(id);
    if (prev && prev.unread_count !== 0) this.upsert({ ...prev, unread_count: 0 });
  }

  private upsert(c: ConversationState): void {
    const f = get(this.filter);
    const label = get(this.labelFilter);
    const o = get(this.owner);
    const owner = c.assignee_id ?? null;
    const ownerOut = (o === 'mine' && owner !== this.me) || (o === 'unassigned' && owner !== null);
    const off =
      (f !== 'all' && c.status !== f) ||
      (label !== '' && !(c.labels ?? []).some((l) => l.id === label)) ||
      (get(this.unreadOnly) && c.unread_count === 0) ||
      ownerOut;
    if (off) this.byId.delete(c.id);
    else this.byId.set(c.id, c);
    this.publish();
  }

  private fetchPage(cursor: string | null): Promise<Page<ConversationState>> {
    const q = new URLSearchParams({ limit: String(PAGE) });
    const f = get(this.filter);
    if (f !== 'all') q.set('status', f);
    const label = get(this.labelFilter);
    if (label) q.set('label', label);
    if (get(this.unreadOnly)) q.set('unread', 'true');
    const o = get(this.owner);
    if (o !== 'all') q.set('assignee', o);
    if (cursor) q.set('cursor', cursor);
    return api<Page<ConversationState>>(`/api/conversations?${q}`);
  }

  private publish(): void {
    this.items.set([...this.byId.values()].sort(byActivity));
  }
}

export const inbox = new InboxStore();

/** Whether a conversation matches the search box (name, phone or last message text). */
export function matches(c: ConversationState, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const digits = q.replace(/[^\d]/g, '');
  return (
    (c.lead.name ?? '').toLowerCase().includes(q) ||
    (digits.length > 0 && (c.lead.phone ?? '').replace(/[^\d]/g, '').includes(digits)) ||
    (c.last_message_preview ?? '').toLowerCase().includes(q)
  );
}

/**
 * The open conversation's messages: the newest page over REST, older pages on
 * demand (cursor pagination), live `new_message` / `message_status` events,
 * and the agent's replies — shown at once as a pending row matched later by
 * `client_id`, then advanced by status events (pending → sent → delivered →
 * read, or failed with a reason and a retry). Reactions and deletions
 * (`message_reaction`, `message_deleted`) change the message they are about.
 * A merge (`conversation_merged`) re-reads the survivor, or points the open
 * thread at it when the open one was merged away.
 */
import type {
  ConversationAnswer,
  ConversationMergedEvent,
  ConversationState,
  MessageAnswer,
  MessageDeletedEvent,
  MessageReactionEvent,
  MessageStatus,
  MessageStatusEvent,
  MessageUpdatedEvent,
  NewMessageEvent,
  Page,
} from '@newton/protocol';
import { get, writable } from 'svelte/store';
import { ApiError, api } from './api.js';
import { inbox } from './inbox.js';
import type { Message } from './types.js';

const PAGE = 40;
/** Forward-only order of statuses (the server's): `failed` never overrides delivered/read. */
const RANK: Record<MessageStatus, number> = { pending: 0, sent: 1, failed: 2, delivered: 3, read: 4 };

/**
 * By time; within one second (WhatsApp's resolution), in the order the inbox
 * learned of them: the API's order for loaded pages, arrival (seq) order for
 * live ones.
 */
function chronological(order: Map<string, number>): (a: Message, b: Message) => number {
  return (a, b) => {
    if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
    return (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0);
  };
}

/** The `reply_to` a reply quoting `m` shows at once (the server's answer replaces it). */
function quoteOf(m: Message) {
  return {
    message_id: m.id,
    provider_message_id: m.provider_message_id,
    content: m.content,
    sender: m.sender,
  };
}

/** Refusals that hold for every reply in the conversation: the reply box is disabled with the reason. */
export const BLOCKING = new Set(['reply_window_closed', 'cannot_reply', 'send_not_configured']);

/** Why replying is refused, for the reply box: an API error code (or `unavailable`), or null. */
export type ReplyBlock = string | null;

class ThreadStore {
  readonly conversationId = writable<string | null>(null);
  readonly messages = writable<Message[]>([]);
  readonly loading = writable(false);
  readonly loadingOlder = writable(false);
  readonly hasOlder = writable(false);
  readonly notFound = writable(false);
  readonly error = writable<string | null>(null);
  /** Set when the server refused a reply (409 `reply_window_closed`, `cannot_reply`, …). */
  readonly replyBlock = writable<ReplyBlock>(null);
  /** Set when the open conversation was merged into another: the page opens `into` instead. */
  readonly mergedInto = writable<{ from: string; into: string } | null>(null);
  private readonly byId = new Map<string, Message>();
  /** Statuses that arrived before the message they are about. */
  private readonly early = new Map<string, MessageStatusEvent>();
  private cursor: string | null = null;
  /** Tie-breaks within one timestamp: increasing for newer knowledge, decreasing for older pages. */
  private readonly order = new Map<string, number>();
  private nextNewer = 0;
  private nextOlder = -1;
  private generation = 0;
  private readTimer: ReturnType<typeof setTimeout> | undefined;

  /** The message the first page is loaded around (a search result), or null for the newest page. */
  private around: string | null = null;

  /** Opens a conversation at its newest messages, or around `aroundMessageId` (every newer one loaded too). */
  async open(id: string, aroundMessageId: string | null = null): Promise<void> {
    const gen = ++this.generation;
    this.around = aroundMessageId;
    this.conversationId.set(id);
    this.byId.clear();
    this.early.clear();
    this.order.clear();
    this.nextNewer = 0;
    this.nextOlder = -1;
    this.cursor = null;
    this.notFound.set(false);
    this.error.set(null);
    this.replyBlock.set(null);
    this.publish();
    this.loading.set(true);
    try {
      const conv = inbox.get(id) ?? (await inbox.fetchOne(id));
      if (gen !== this.generation) return;
      if (!conv) {
        this.notFound.set(true);
        return;
      }
      await this.loadPage(gen);
      if (gen === this.generation) this.markRead(conv);
    } catch (err) {
      if (gen === this.generation) this.error.set(err instanceof Error ? err.message : String(err));
    } finally {
      if (gen === this.generation) this.loading.set(false);
    }
  }

  close(): void {
    this.generation++;
    this.conversationId.set(null);
    this.byId.clear();
    this.publish();
  }

  /** Reloads the open conversation from REST (after `resync`). */
  async reload(): Promise<void> {
    const id = get(this.conversationId);
    if (id) await this.open(id);
  }

  /** Loads the next older page; resolves false when there is none. */
  async older(): Promise<boolean> {
    if (!this.cursor || get(this.loadingOlder) || get(this.loading)) return false;
    this.loadingOlder.set(true);
    try {
      await this.loadPage(this.generation);
      return true;
    } catch (err) {
      this.error.set(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      this.loadingOlder.set(false);
    }
  }

  onNewMessage(e: NewMessageEvent): void {
    if (e.conversation_id !== get(this.conversationId)) return;
    this.merge(e.message);
    this.publish();
    if (e.message.direction === 'inbound') {
      // The customer wrote: WhatsApp's 24-hour window is open again.
      if (get(this.replyBlock) === 'reply_window_closed') this.replyBlock.set(null);
      this.scheduleRead();
    }
  }

  /** Messages moved between conversations: re-read the survivor, or leave the one that is gone. */
  onMerged(e: ConversationMergedEvent): void {
    const open = get(this.conversationId);
    if (open === e.conversation_id) this.mergedInto.set({ from: e.conversation_id, into: e.into.id });
    else if (open === e.into.id) void this.reload();
  }

  /** An edit made on WhatsApp: the event carries the message as it is now. */
  onUpdated(e: MessageUpdatedEvent): void {
    if (e.conversation_id !== get(this.conversationId)) return;
    if (!this.byId.has(e.message_id)) return;
    this.byId.set(e.message_id, e.message);
    this.publish();
  }

  /** A reaction added, changed or removed: the event carries the message's full set. */
  onReaction(e: MessageReactionEvent): void {
    const m = e.conversation_id === get(this.conversationId) ? this.byId.get(e.message_id) : undefined;
    if (!m) return;
    const { reactions: _, ...rest } = m;
    this.byId.set(m.id, e.reactions.length > 0 ? { ...rest, reactions: e.reactions } : rest);
    this.publish();
  }

  /** Deleted for everyone by its author: the event carries the message as it is now. */
  onDeleted(e: MessageDeletedEvent): void {
    if (e.conversation_id !== get(this.conversationId) || !this.byId.has(e.message_id)) return;
    this.merge(e.message);
    this.publish();
  }

  /** Loads older pages until `id` is in the thread (a quoted message); false when it never is. */
  async reveal(id: string): Promise<boolean> {
    while (!this.byId.has(id)) {
      if (!(await this.older())) return false;
    }
    return true;
  }

  onStatus(e: MessageStatusEvent): void {
    if (e.conversation_id !== get(this.conversationId)) return;
    const m = this.byId.get(e.message_id);
    if (!m) {
      this.early.set(e.message_id, e);
      return;
    }
    this.byId.set(m.id, { ...m, status: e.status, error: e.error ?? null });
    this.publish();
  }

  /** Sends a reply: a pending row at once, replaced by the server's message when it answers. */
  async send(text: string, phone: string | null, replyTo: Message | null = null): Promise<void> {
    const conversationId = get(this.conversationId);
    if (!conversationId) return;
    const clientId = crypto.randomUUID();
    this.order.set(`local-${clientId}`, this.nextNewer++);
    this.byId.set(`local-${clientId}`, {
      id: `local-${clientId}`,
      conversation_id: conversationId,
      content: text,
      sender: 'agent',
      phone,
      type: 'text',
      direction: 'outbound',
      status: 'pending',
      timestamp: new Date().toISOString(),
      provider: 'evolution',
      provider_message_id: '',
      client_id: clientId,
      error: null,
      local: 'sending',
      ...(replyTo ? { reply_to: quoteOf(replyTo) } : {}),
    });
    this.publish();
    await this.post(conversationId, clientId, text, replyTo?.id);
  }

  /** Retries a failed reply (server side) or re-posts one the server never took (same client_id). */
  async retry(m: Message): Promise<void> {
    if (m.local && m.client_id) {
      this.byId.set(m.id, { ...m, local: 'sending', error: null });
      this.publish();
      await this.post(m.conversation_id, m.client_id, m.content ?? '', m.reply_to?.message_id ?? undefined);
      return;
    }
    this.byId.set(m.id, { ...m, status: 'pending', error: null });
    this.publish();
    try {
      const { message: fresh } = await api<MessageAnswer>(`/api/messages/${encodeURIComponent(m.id)}/retry`, {
        method: 'POST',
        body: {},
      });
      const now = this.byId.get(m.id);
      // The answer may be older than a status event already applied; keep the newer.
      if (now && now.status === 'pending') this.byId.set(m.id, { ...now, ...fresh });
    } catch (err) {
      const e = err instanceof ApiError ? err : null;
      this.byId.set(m.id, {
        ...m,
        status: 'failed',
        error: { code: e?.code ?? 'network', message: e?.message ?? String(err) },
      });
    }
    this.publish();
  }

  /** Shows a message the server stored for this agent (a file or template reply) before its event arrives. */
  accept(message: Message): void {
    if (message.conversation_id !== get(this.conversationId)) return;
    this.merge(message);
    this.publish();
  }

  private async post(
    conversationId: string,
    clientId: string,
    text: string,
    replyTo?: string,
  ): Promise<void> {
    const localId = `local-${clientId}`;
    try {
      const { message } = await api<MessageAnswer>(
        `/api/conversations/${encodeURIComponent(conversationId)}/messages`,
        { method: 'POST', body: { text, client_id: clientId, ...(replyTo ? { reply_to: replyTo } : {}) } },
      );
      this.byId.delete(localId);
      this.merge(message);
      this.replyBlock.set(null);
    } catch (err) {
      const local = this.byId.get(localId);
      const e = err instanceof ApiError ? err : null;
      if (e && BLOCKING.has(e.code)) this.replyBlock.set(e.code);
      else if (e?.status === 404 && e.message.startsWith('no route')) this.replyBlock.set('unavailable');
      if (local) {
        this.byId.set(localId, {
          ...local,
          local: 'unsent',
          status: 'failed',
          error: { code: e?.code ?? 'network', message: e?.message ?? String(err) },
        });
      }
    }
    this.publish();
  }

  /** Adds or updates a message; an agent's reply replaces its pending row (same client_id). */
  private merge(incoming: Message): void {
    if (incoming.probe) return;
    if (incoming.client_id) this.byId.delete(`local-${incoming.client_id}`);
    const prev = this.byId.get(incoming.id);
    let next: Message = prev ? { ...prev, ...incoming } : incoming;
    if (prev && RANK[prev.status] > RANK[incoming.status])
      next = { ...next, status: prev.status, error: prev.error ?? null };
    const early = this.early.get(incoming.id);
    if (early) {
      this.early.delete(incoming.id);
      if (RANK[early.status] >= RANK[next.status])
        next = { ...next, status: early.status, error: early.error ?? null };
    }
    if (!this.order.has(incoming.id)) {
      const local = incoming.client_id ? this.order.get(`local-${incoming.client_id}`) : undefined;
      this.order.set(incoming.id, local ?? this.nextNewer++);
    }
    this.byId.set(incoming.id, next);
  }

  private async loadPage(gen: number): Promise<void> {
    const id = get(this.conversationId);
    if (!id) return;
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (this.cursor) q.set('cursor', this.cursor);
    else if (this.around) q.set('around', this.around);
    const page = await api<Page<Message>>(`/api/conversations/${encodeURIComponent(id)}/messages?${q}`);
    if (gen !== this.generation) return;
    // Pages come newest first: the first page is numbered oldest → newest, older pages below it.
    const first = this.cursor === null;
    const items = first ? [...page.items].reverse() : page.items;
    for (const m of items) {
      if (this.byId.has(m.id)) continue;
      this.order.set(m.id, first ? this.nextNewer++ : this.nextOlder--);
      this.merge(m);
    }
    this.cursor = page.next_cursor;
    this.hasOlder.set(page.next_cursor !== null);
    this.publish();
  }

  /** Marks the open conversation read (soon after an inbound message while it is on screen). */
  private scheduleRead(): void {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      const id = get(this.conversationId);
      const conv = id ? inbox.get(id) : undefined;
      if (conv && globalThis.document?.visibilityState !== 'hidden') this.markRead(conv);
    }, 300);
  }

  private markRead(conv: ConversationState): void {
    if (conv.unread_count === 0) return;
    inbox.clearUnread(conv.id);
    api<ConversationAnswer>(`/api/conversations/${encodeURIComponent(conv.id)}/read`, {
      method: 'POST',
      body: {},
    }).then(
      // The answer is not applied: it is a snapshot that can be older than events the socket
      // already delivered (a lead_updated meanwhile would be undone); the read's own
      // conversation_updated comes through the socket in seq order.
      () => {},
      () => {
        // Not available on this server, or a transient failure: the local count stays cleared.
      },
    );
  }

  private publish(): void {
    this.messages.set([...this.byId.values()].sort(chronological(this.order)));
  }
}

export const thread = new ThreadStore();

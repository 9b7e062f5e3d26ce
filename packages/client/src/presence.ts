/**
 * `@newton/client/presence`: who is online and who is typing, kept from the
 * ephemeral frames of the opt-in `presence` channel (docs/protocol.md §4.1),
 * with the expiry the server leaves to clients. A separate entry point, so
 * apps that do not use it do not ship it.
 *
 * ```ts
 * const live = new LivePresence(service);
 * live.onChange(() => render(live.agents(), live.typing(conversationId)));
 * input.oninput = () => live.typingIn(conversationId);
 * document.onvisibilitychange = () => live.setAway(document.hidden);
 * ```
 */
import type { AgentPresence, AgentPresenceState, CustomerTypingFrame } from '@newton/protocol';
import { type Clock, systemClock } from './options.js';
import type { WebSocketService } from './service.js';

/** Who is typing in one conversation. */
export interface ConversationTyping {
  /** Other agents typing a reply (their `user_id`s). */
  agents: string[];
  /** The customer typing or recording, or null. */
  customer: Exclude<CustomerTypingFrame['state'], 'stopped'> | null;
}

/** How often `typingIn` tells the server again while the agent keeps typing. */
export const TYPING_RESEND_MS = 2000;

export class LivePresence {
  private readonly presence = new Map<string, AgentPresence>();
  /** conversation → user → timer of the typing indicator. */
  private readonly agentTyping = new Map<string, Map<string, unknown>>();
  private readonly customerTyping = new Map<string, { state: 'typing' | 'recording'; timer: unknown }>();
  private readonly listeners = new Set<() => void>();
  private readonly offs: (() => void)[];
  /** conversation → when this agent last said it is typing there. */
  private readonly sent = new Map<string, number>();
  private away = false;

  constructor(
    private readonly service: WebSocketService,
    private readonly clock: Clock = systemClock,
  ) {
    this.offs = [
      service.on('presence_snapshot', (f) => {
        this.presence.clear();
        for (const a of f.agents) this.presence.set(a.user_id, a);
        this.changed();
      }),
      service.on('agent_presence', (f) => {
        if (f.state === 'offline') this.presence.delete(f.user_id);
        else this.presence.set(f.user_id, { user_id: f.user_id, state: f.state, since: f.since });
        this.changed();
      }),
      service.on('agent_typing', (f) =>
        this.setAgentTyping(f.conversation_id, f.user_id, f.state === 'typing', f.expires_in_ms),
      ),
      service.on('customer_typing', (f) => this.setCustomerTyping(f)),
      // Every new socket joins the channel (a repeat changes nothing) and starts
      // online on the server: say away again if the app is.
      service.on('connected', () => this.join()),
    ];
    if (service.state.get().status === 'open') this.join();
  }

  private join(): void {
    this.service.send({ type: 'subscribe', channels: ['presence'] });
    if (this.away) this.service.send({ type: 'presence', state: 'away' });
  }

  /** Calls `fn` after every change of presence or typing; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The state of one agent (`offline` when not known). */
  stateOf(userId: string): AgentPresenceState {
    return this.presence.get(userId)?.state ?? 'offline';
  }

  /** Every agent online or away. */
  agents(): AgentPresence[] {
    return [...this.presence.values()];
  }

  /** Who is typing in the conversation. */
  typing(conversationId: string): ConversationTyping {
    return {
      agents: [...(this.agentTyping.get(conversationId)?.keys() ?? [])],
      customer: this.customerTyping.get(conversationId)?.state ?? null,
    };
  }

  /** This agent is away (tab hidden, idle) or back. */
  setAway(away: boolean): void {
    if (away === this.away) return;
    this.away = away;
    this.send({ type: 'presence', state: away ? 'away' : 'online' });
  }

  /** Call on every keystroke: tells the server at most every TYPING_RESEND_MS. */
  typingIn(conversationId: string): void {
    const now = this.clock.now();
    if (now - (this.sent.get(conversationId) ?? 0) < TYPING_RESEND_MS) return;
    this.sent.set(conversationId, now);
    this.send({ type: 'typing', conversation_id: conversationId });
  }

  /** The draft was sent or cleared. */
  stoppedTyping(conversationId: string): void {
    if (!this.sent.delete(conversationId)) return;
    this.send({ type: 'typing', conversation_id: conversationId, state: 'stopped' });
  }

  destroy(): void {
    for (const off of this.offs.splice(0)) off();
    for (const users of this.agentTyping.values()) for (const t of users.values()) this.clock.clearTimeout(t);
    for (const c of this.customerTyping.values()) this.clock.clearTimeout(c.timer);
    this.agentTyping.clear();
    this.customerTyping.clear();
    this.listeners.clear();
  }

  /** Ephemeral frames are not worth queueing: sent on a live socket or dropped. */
  private send(frame: Parameters<WebSocketService['send']>[0]): void {
    if (this.service.state.get().status === 'open') this.service.send(frame);
  }

  private setAgentTyping(conversationId: string, userId: string, on: boolean, ttlMs: number): void {
    let users = this.agentTyping.get(conversationId);
    const old = users?.get(userId);
    if (old !== undefined) this.clock.clearTimeout(old);
    if (on) {
      if (!users) {
        users = new Map();
        this.agentTyping.set(conversationId, users);
      }
      users.set(
        userId,
        this.clock.setTimeout(() => this.setAgentTyping(conversationId, userId, false, 0), ttlMs),
      );
    } else if (users) {
      users.delete(userId);
      if (users.size === 0) this.agentTyping.delete(conversationId);
    }
    this.changed();
  }

  private setCustomerTyping(
    f: Pick<CustomerTypingFrame, 'conversation_id' | 'state' | 'expires_in_ms'>,
  ): void {
    const old = this.customerTyping.get(f.conversation_id);
    if (old) this.clock.clearTimeout(old.timer);
    if (f.state === 'stopped') this.customerTyping.delete(f.conversation_id);
    else {
      const timer = this.clock.setTimeout(
        () =>
          this.setCustomerTyping({ conversation_id: f.conversation_id, state: 'stopped', expires_in_ms: 0 }),
        f.expires_in_ms,
      );
      this.customerTyping.set(f.conversation_id, { state: f.state, timer });
    }
    this.changed();
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }
}

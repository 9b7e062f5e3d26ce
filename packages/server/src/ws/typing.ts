/**
 * Typing (#15): an agent's `typing` frame → `agent_typing` for the tenant's
 * other agents; a customer's chat presence (provider webhooks) →
 * `customer_typing`. Ephemeral frames over the bus (ephemeral.ts): never
 * stored, never replayed; receivers let them expire after `expires_in_ms`.
 */
import {
  type AgentTypingFrame,
  type CustomerTypingFrame,
  FrameErrorCode,
  type TypingFrame,
} from '@newton/protocol';
import type {
  ConversationLookup,
  CustomerPresenceSink,
  CustomerPresenceUpdate,
  Logger,
} from '../core/index.js';
import type { EphemeralRelay } from './ephemeral.js';

/** How long an agent's `typing` lasts without a new one. Clients resend every ~2 s. */
export const AGENT_TYPING_TTL_MS = 6000;
/** How long a customer's `composing` lasts without a new one (WhatsApp sends `paused` when it ends). */
export const CUSTOMER_TYPING_TTL_MS = 15_000;

/** A checked conversation stays known this long (no query per keystroke). */
const LOOKUP_CACHE_MS = 60_000;
const LOOKUP_CACHE_MAX = 10_000;

/** What typing needs of a socket. */
export interface TypingSocket {
  readonly tenantId: string;
  readonly principal: { userId: string };
  sendError(code: (typeof FrameErrorCode)[keyof typeof FrameErrorCode], message: string): void;
}

export class TypingRelay implements CustomerPresenceSink {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly relay: EphemeralRelay,
    private readonly lookup: ConversationLookup,
    private readonly logger: Logger,
  ) {}

  /** An agent's `typing` frame (already parsed and rate-checked). */
  async agentTyping(s: TypingSocket, frame: TypingFrame): Promise<void> {
    const conversationId = frame.conversation_id;
    let ok: boolean;
    try {
      ok = await this.isTenants(s.tenantId, conversationId);
    } catch (err) {
      this.logger.warn({ err, tenant: s.tenantId }, 'typing: conversation lookup failed');
      return;
    }
    if (!ok) {
      s.sendError(
        FrameErrorCode.UNKNOWN_CONVERSATION,
        `conversation ${JSON.stringify(conversationId.slice(0, 64))} is not a conversation of tenant ${s.tenantId}`,
      );
      return;
    }
    const out: AgentTypingFrame = {
      type: 'agent_typing',
      conversation_id: conversationId,
      user_id: s.principal.userId,
      state: frame.state ?? 'typing',
      expires_in_ms: AGENT_TYPING_TTL_MS,
    };
    this.relay.sendFrame(s.tenantId, out, s.principal.userId);
  }

  async customerPresence(u: CustomerPresenceUpdate, traceId: string): Promise<number> {
    const convs = await this.lookup.conversationsOfParty(u.tenantId, u.instanceId, u.phone, u.lid);
    for (const c of convs) {
      const out: CustomerTypingFrame = {
        type: 'customer_typing',
        conversation_id: c.conversationId,
        lead_id: c.leadId,
        state: u.state,
        expires_in_ms: CUSTOMER_TYPING_TTL_MS,
      };
      this.relay.sendFrame(u.tenantId, out);
    }
    this.logger.debug(
      { trace: traceId, tenant: u.tenantId, state: u.state, conversations: convs.length },
      'customer typing published',
    );
    return convs.length;
  }

  private async isTenants(tenantId: string, conversationId: string): Promise<boolean> {
    const k = `${tenantId}\u0000${conversationId}`;
    const until = this.known.get(k);
    const now = Date.now();
    if (until !== undefined && until > now) return true;
    const found = await this.lookup.conversationOf(tenantId, conversationId);
    if (!found) return false;
    if (this.known.size >= LOOKUP_CACHE_MAX) this.known.clear();
    this.known.set(k, now + LOOKUP_CACHE_MS);
    return true;
  }
}

/**
 * Per socket: at most `burst` presence/typing frames at once, refilled at
 * `perSecond`; beyond that a frame is dropped with `rate_limited`.
 */
export class RateBucket {
  private tokens: number;
  private at = Date.now();

  constructor(
    private readonly burst = 10,
    private readonly perSecond = 2,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

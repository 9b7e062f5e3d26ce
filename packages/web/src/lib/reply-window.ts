/**
 * WhatsApp's customer-service window, as the inbox can see it before trying:
 * the Cloud API accepts free-form replies only within 24 hours of the
 * customer's last message (Evolution has no such rule). The server stays the
 * authority (`409 reply_window_closed`); this lets the reply box say so at
 * once instead of after a refused reply.
 */
import type { Message } from './types.js';

/** The window's length (Meta's rule), ms. */
export const REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * `reply_window_closed` when the conversation's newest inbound message came
 * through the Cloud API more than 24 h before `now`; null when replying looks
 * possible or the thread shows no inbound message to judge by.
 */
export function predictedReplyBlock(messages: readonly Message[], now: number): 'reply_window_closed' | null {
  let last: Message | undefined;
  for (const m of messages) {
    if (m.direction !== 'inbound' || m.local) continue;
    if (!last || m.timestamp > last.timestamp) last = m;
  }
  if (last?.provider !== 'cloud') return null;
  const at = Date.parse(last.timestamp);
  return Number.isFinite(at) && now - at > REPLY_WINDOW_MS ? 'reply_window_closed' : null;
}

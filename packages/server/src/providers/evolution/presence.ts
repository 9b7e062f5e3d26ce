/**
 * `presence.update` (#15): a customer typing or recording in a chat.
 * Evolution forwards Baileys' event as is (EvolutionAPI/evolution-api
 * `src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts`,
 * `eventHandler`: `sendDataWebhook(Events.PRESENCE_UPDATE, payload)` with
 * `payload = events['presence.update']`), so `data` is Baileys'
 * `{ id, presences: { [participantJid]: { lastKnownPresence, lastSeen? } } }`:
 * `id` is the chat, `lastKnownPresence` one of `composing`, `recording`,
 * `paused`, `available`, `unavailable`. Nothing is stored: the frame is
 * ephemeral (`customer_typing`); the webhook still leaves a receipt.
 */
import type { CustomerPresenceSink, CustomerTypingState } from '../../core/index.js';
import { isObj, str } from '../json-read.js';
import { resolveParty } from './parse.js';
import type { ChatParty } from './types.js';
import { reply, type WebhookReply } from './webhook-answers.js';
import type { ItemContext } from './webhook-items.js';

export type PresenceItem =
  | { kind: 'presence'; party: ChatParty; state: CustomerTypingState }
  | { kind: 'ignored'; reason: string };

const STATES: Record<string, CustomerTypingState> = {
  composing: 'typing',
  recording: 'recording',
  paused: 'stopped',
  available: 'stopped',
  unavailable: 'stopped',
};

/** Reads one `presence.update` `data` (pure). */
export function parsePresence(data: unknown): PresenceItem {
  if (!isObj(data)) return { kind: 'ignored', reason: 'presence.update without a data object' };
  // Some builds name the chat `remoteJid` instead of Baileys' `id`.
  const chat = str(data.id) ?? str(data.remoteJid);
  if (!chat) return { kind: 'ignored', reason: 'presence.update without "id"' };
  const party = resolveParty(chat, {}, data);
  if (party.kind !== 'party') return { kind: 'ignored', reason: `presence.update: ${party.reason}` };
  const presences = isObj(data.presences) ? Object.values(data.presences) : [];
  const first = presences.find(isObj);
  const raw = first ? str(first.lastKnownPresence) : null;
  const state = raw ? STATES[raw] : undefined;
  if (!state) return { kind: 'ignored', reason: `presence.update with presence ${JSON.stringify(raw)}` };
  return { kind: 'presence', party: party.party, state };
}

/** One `presence.update` webhook: the customer's typing to the agents of the lead's conversation. */
export async function presenceWebhook(
  ctx: ItemContext,
  data: unknown,
  sink: CustomerPresenceSink,
): Promise<WebhookReply> {
  const { instance, req, log, record } = ctx;
  const item = parsePresence(data);
  if (item.kind === 'ignored') {
    await record({ outcome: 'ignored', reason: item.reason });
    return reply(200, 'ignored', req.traceId, { reason: item.reason });
  }
  const conversations = await sink.customerPresence(
    {
      tenantId: instance.tenantId,
      instanceId: instance.id,
      phone: item.party.phone,
      lid: item.party.lid,
      state: item.state,
    },
    req.traceId,
  );
  log.info({ state: item.state, conversations }, 'customer presence');
  if (conversations === 0) {
    const reason = 'presence.update: no conversation with this chat';
    await record({ outcome: 'ignored', reason });
    return reply(200, 'ignored', req.traceId, { reason });
  }
  const reason = `customer ${item.state} (ephemeral, not stored)`;
  await record({ outcome: 'accepted', reason });
  return reply(200, 'accepted', req.traceId, { reason, state: item.state, conversations });
}

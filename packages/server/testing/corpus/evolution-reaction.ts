/**
 * Corpus (issue #13 §3): a customer's reaction through Evolution, as
 * `messages.upsert` with `message.reactionMessage`. `key` inside the
 * reaction is the message reacted to; `text: ""` removes the reaction; the
 * upsert's own key is the reaction message (its `fromMe` says who reacted).
 */
import { randomMessageId, upsertBody } from '../evolution-fixtures.js';

export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (messages.upsert → prepareMessage: messageType "reactionMessage"); Baileys proto ReactionMessage {key, text, senderTimestampMs}';

export interface EvolutionReactionOptions {
  instance: string;
  /** Customer digits. */
  from: string;
  /** Provider id of the message reacted to. */
  targetId: string;
  /** Whether the message reacted to was the business's own. @default true */
  targetFromMe?: boolean;
  /** `""` removes the reaction. */
  emoji: string;
  /** The business reacted (from the phone) instead of the customer. @default false */
  fromMe?: boolean;
  /** Epoch ms; default now. */
  atMs?: number;
}

export function body(o: EvolutionReactionOptions): Record<string, unknown> {
  const at = o.atMs ?? Date.now();
  return upsertBody({
    instance: o.instance,
    from: o.from,
    fromMe: o.fromMe ?? false,
    sender: null,
    id: randomMessageId(),
    timestamp: Math.floor(at / 1000),
    message: {
      reactionMessage: {
        key: { remoteJid: `${o.from}@s.whatsapp.net`, fromMe: o.targetFromMe ?? true, id: o.targetId },
        text: o.emoji,
        senderTimestampMs: String(at),
      },
      messageContextInfo: { messageSecret: 'q0QHvTqC1kq6Vt0x9bZ3rKp2m8N1yD4sF7gH2jL5aE0=' },
    },
  }) as unknown as Record<string, unknown>;
}

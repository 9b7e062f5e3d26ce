/**
 * Corpus (issue #13 §4): a customer's text that quotes an earlier message,
 * through Evolution 2.2+. The text is rewritten to `message.conversation`
 * and the content's `contextInfo` is copied to `data.contextInfo`:
 * `stanzaId` (quoted id), `participant` (its author), `quotedMessage`.
 */
import { upsertBody } from '../evolution-fixtures.js';

export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (prepareMessage: contextInfo: contentMsg?.contextInfo; extendedTextMessage → conversation); Baileys proto ContextInfo {stanzaId, participant, quotedMessage}';

export interface EvolutionQuotedReplyOptions {
  instance: string;
  /** Customer digits. */
  from: string;
  id: string;
  text: string;
  /** Provider id of the quoted message. */
  quotedId: string;
  /** Text of the quoted message, as WhatsApp copies it. */
  quotedText: string;
  /** Digits of the quoted message's author (the business's own number when it quotes a reply). */
  quotedAuthor: string;
  /** The customer's display name. @default 'María Gómez' */
  pushName?: string;
}

export function body(o: EvolutionQuotedReplyOptions): Record<string, unknown> {
  const b = upsertBody({
    instance: o.instance,
    from: o.from,
    id: o.id,
    sender: null,
    ...(o.pushName === undefined ? {} : { pushName: o.pushName }),
    message: { conversation: o.text },
  }) as unknown as { data: Record<string, unknown> };
  b.data.contextInfo = {
    stanzaId: o.quotedId,
    participant: `${o.quotedAuthor}@s.whatsapp.net`,
    quotedMessage: { conversation: o.quotedText },
    expiration: 0,
    entryPointConversionSource: 'global_search_new_chat',
  };
  return b as unknown as Record<string, unknown>;
}

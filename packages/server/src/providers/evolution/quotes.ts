/**
 * What an Evolution message replies to (issue #13 §4). Evolution 2.2+ copies
 * the content's `contextInfo` to `data.contextInfo` (prepareMessage in
 * src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts; the
 * text's own copy is deleted with `extendedTextMessage`); older servers keep
 * it inside the content (`message.<kind>.contextInfo`). `stanzaId` is the
 * quoted message's id, `participant` its author, `quotedMessage` its content.
 * Pure.
 */
import type { ReplyToInfo } from '@newton/protocol';
import { parseJid } from '../../core/whatsapp/jid.js';
import { isObj, type Obj, str } from '../json-read.js';
import type { ChatParty } from './types.js';

/** Where a quoted message's text lives, per kind. */
const SNIPPET_PATHS: [string, string][] = [
  ['extendedTextMessage', 'text'],
  ['imageMessage', 'caption'],
  ['videoMessage', 'caption'],
  ['documentMessage', 'caption'],
  ['documentMessage', 'fileName'],
  ['locationMessage', 'name'],
  ['contactMessage', 'displayName'],
];

const MAX_SNIPPET = 300;

function contextInfoOf(data: Obj, message: Obj): Obj | null {
  if (isObj(data.contextInfo) && str(data.contextInfo.stanzaId)) return data.contextInfo;
  for (const part of Object.values(message)) {
    if (isObj(part) && isObj(part.contextInfo) && str(part.contextInfo.stanzaId)) return part.contextInfo;
  }
  return null;
}

function snippetOf(quoted: unknown): string | null {
  if (!isObj(quoted)) return null;
  const text = str(quoted.conversation);
  if (text) return text.slice(0, MAX_SNIPPET);
  for (const [kind, field] of SNIPPET_PATHS) {
    const part = quoted[kind];
    const value = isObj(part) ? str(part[field]) : null;
    if (value) return value.slice(0, MAX_SNIPPET);
  }
  return null;
}

/** The quoted message's author: the customer when `participant` is the chat's phone or LID, else the business. */
function authorOf(participant: string | null, party: ChatParty): ReplyToInfo['sender'] {
  const jid = participant ? parseJid(participant) : null;
  if (!jid) return null;
  const isLead = (party.phone !== null && `+${jid.user}` === party.phone) || jid.user === party.lid;
  return isLead ? 'lead' : 'agent';
}

/** `{reply_to}` for the message's extra when it quotes another, else `{}`. */
export function quoteOf(data: Obj, message: Obj, party: ChatParty): { reply_to?: ReplyToInfo } {
  const context = contextInfoOf(data, message);
  const id = context ? str(context.stanzaId) : null;
  if (!context || !id) return {};
  return {
    reply_to: {
      message_id: null,
      provider_message_id: id,
      content: snippetOf(context.quotedMessage),
      sender: authorOf(str(context.participant), party),
    },
  };
}

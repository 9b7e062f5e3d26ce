/**
 * Words for what happens to a message after it is sent (issue #13): the quote
 * it replies to, its reactions, its deletion. Spread into both dictionaries (en.ts, es.ts).
 */
export const enMessageActs = {
  'msg.deleted': 'This message was deleted',
  'msg.deleted_label': 'Deleted message',
  'msg.reply_to': 'Reply to a message',
  'msg.reply_jump': 'Go to the quoted message',
  'msg.quoted_unknown': 'A message not in this inbox',
  'msg.quoted_you': 'You',
  'msg.reactions': 'Reactions',
  'msg.reaction_by_lead': '{emoji} from the customer',
  'msg.reaction_by_agent': '{emoji} from you',
};

export const esMessageActs: Record<keyof typeof enMessageActs, string> = {
  'msg.deleted': 'Se eliminó este mensaje',
  'msg.deleted_label': 'Mensaje eliminado',
  'msg.reply_to': 'Respuesta a un mensaje',
  'msg.reply_jump': 'Ir al mensaje citado',
  'msg.quoted_unknown': 'Un mensaje que no está en esta bandeja',
  'msg.quoted_you': 'Tú',
  'msg.reactions': 'Reacciones',
  'msg.reaction_by_lead': '{emoji} del cliente',
  'msg.reaction_by_agent': '{emoji} tuya',
};

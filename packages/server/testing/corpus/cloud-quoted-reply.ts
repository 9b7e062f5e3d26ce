/**
 * Corpus (issue #13 §4): a customer's text that replies to (quotes) an
 * earlier message through the WhatsApp Cloud API: `context.id` is the quoted
 * message's wamid, `context.from` its author. Meta sends no quoted text.
 */
import { cloudBody, messagesValue } from '../cloud-fixtures.js';

export const source =
  'Meta, Text messages webhook reference ("context" of a message sent in reply): developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/text';

export function body(o: {
  phoneNumberId: string;
  from: string;
  id: string;
  text: string;
  quotedId: string;
  /** wa_id / display number of the quoted message's author. */
  quotedFrom: string;
}): Record<string, unknown> {
  return cloudBody(
    messagesValue({
      phoneNumberId: o.phoneNumberId,
      from: o.from,
      id: o.id,
      content: { type: 'text', text: { body: o.text } },
      extra: { context: { from: o.quotedFrom, id: o.quotedId } },
    }),
  );
}

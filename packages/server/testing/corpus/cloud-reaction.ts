/**
 * Corpus (issue #13 §3): a customer's reaction through the WhatsApp Cloud
 * API, `type: "reaction"`; when the customer removes it "another webhook is
 * triggered, but the emoji property will be omitted from the payload".
 */
import { cloudBody, messagesValue, randomWamid } from '../cloud-fixtures.js';

export const source =
  'Meta, Reaction messages webhook reference: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/reaction';

export function body(o: {
  phoneNumberId: string;
  from: string;
  /** wamid of the message reacted to. */
  targetId: string;
  /** null: the reaction was removed (no `emoji`). */
  emoji: string | null;
  /** Unix seconds; default now. */
  timestamp?: number;
}): Record<string, unknown> {
  const reaction: Record<string, unknown> = { message_id: o.targetId };
  if (o.emoji !== null) reaction.emoji = o.emoji;
  return cloudBody(
    messagesValue({
      phoneNumberId: o.phoneNumberId,
      from: o.from,
      id: randomWamid(),
      ...(o.timestamp === undefined ? {} : { timestamp: o.timestamp }),
      content: { type: 'reaction', reaction },
    }),
  );
}

/**
 * Evolution `call`: Baileys' `WACallEvent` as is, one webhook per step of a
 * call (`offer`, `ringing`, then `timeout` | `reject` | `accept`, `terminate`),
 * all with the same `id`; `date` is a Date serialised to ISO-8601.
 */
import { randomBytes } from 'node:crypto';

export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (eventHandler: sendDataWebhook(Events.CALL, call)); WhiskeySockets/Baileys src/Types/Call.ts (WACallEvent)';

/** A call id like WhatsApp's: 32 upper-case hex digits. */
export function callId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function body(o: {
  instance: string;
  id: string;
  from: string;
  status: 'offer' | 'ringing' | 'timeout' | 'reject' | 'accept' | 'terminate';
  isVideo?: boolean;
  date?: Date;
}): Record<string, unknown> {
  const jid = `${o.from}@s.whatsapp.net`;
  return {
    event: 'call',
    instance: o.instance,
    data: {
      chatId: jid,
      from: jid,
      id: o.id,
      date: (o.date ?? new Date()).toISOString(),
      offline: false,
      status: o.status,
      isVideo: o.isVideo ?? false,
      isGroup: false,
    },
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    server_url: 'http://evolution.test:8080',
    apikey: null,
  };
}

/**
 * Evolution `presence.update` webhooks (#15), shaped as Evolution sends them:
 * Baileys' `presence.update` event `{ id, presences }` forwarded as `data`
 * unchanged (source: EvolutionAPI/evolution-api
 * `src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts`,
 * `eventHandler`: `if (events['presence.update']) { const payload =
 * events['presence.update']; … this.sendDataWebhook(Events.PRESENCE_UPDATE,
 * payload); }`; Baileys `PresenceData` is `{ lastKnownPresence, lastSeen? }`).
 */
import { DEFAULT_INSTANCE, DEFAULT_OWN_NUMBER } from './evolution-fixtures.js';

export type WaPresence = 'composing' | 'recording' | 'paused' | 'available' | 'unavailable';

export function presenceBody(opts: {
  /** The chat: digits of a phone, or a full JID (`…@lid`, `…@g.us`). */
  chat: string;
  presence: WaPresence;
  instance?: string;
  sender?: string;
  apikey?: string | null;
}): Record<string, unknown> {
  const jid = opts.chat.includes('@') ? opts.chat : `${opts.chat}@s.whatsapp.net`;
  return {
    event: 'presence.update',
    instance: opts.instance ?? DEFAULT_INSTANCE,
    data: { id: jid, presences: { [jid]: { lastKnownPresence: opts.presence } } },
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    sender: `${opts.sender ?? DEFAULT_OWN_NUMBER}@s.whatsapp.net`,
    server_url: 'http://evolution.test:8080',
    apikey: opts.apikey ?? null,
  };
}

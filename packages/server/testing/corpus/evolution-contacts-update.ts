/**
 * Evolution `contacts.update`: a contact's name or picture changed on the
 * phone. `data` is an array of `{remoteJid, pushName, profilePicUrl,
 * instanceId}` (`pushName` = Baileys `contact.name ?? contact.verifiedName`).
 */
import { randomUUID } from 'node:crypto';

export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (contactHandle["contacts.update"]); docs/api.md §1.11';

export interface ContactsOptions {
  instance: string;
  /** Customer digits. */
  from: string;
  pushName?: string | null;
  profilePicUrl?: string | null;
  /** The connected account's own number, digits (`sender`); null: absent. */
  sender?: string | null;
  event?: 'contacts.update' | 'contacts.upsert';
}

/** A profile picture URL as WhatsApp's CDN gives them (`pps.whatsapp.net`). */
export function pictureUrl(tag: string): string {
  return `https://pps.whatsapp.net/v/t61.24694-24/${tag}_n.jpg?ccb=11-4&oh=01_Q5AaIM&oe=6951C2D1&_nc_sid=5e03e0&_nc_cat=104`;
}

export function body(o: ContactsOptions): Record<string, unknown> {
  return {
    event: o.event ?? 'contacts.update',
    instance: o.instance,
    data: [
      {
        remoteJid: `${o.from}@s.whatsapp.net`,
        pushName: o.pushName === undefined ? 'María Gómez' : o.pushName,
        profilePicUrl: o.profilePicUrl === undefined ? pictureUrl('472384528_1290') : o.profilePicUrl,
        instanceId: randomUUID(),
      },
    ],
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    ...(o.sender ? { sender: `${o.sender}@s.whatsapp.net` } : {}),
    server_url: 'http://evolution.test:8080',
    apikey: null,
  };
}

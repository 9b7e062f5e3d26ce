/**
 * Evolution `contacts.upsert` from Baileys' contact sync: an array; an
 * unnamed contact gets its JID's digits as `pushName`
 * (`contact?.name || contact?.verifiedName || contact.id.split('@')[0]`).
 * Real capture of the shape: JesseSBezerra/hub-tedio-webhook `app/EVENTOS.md`.
 */
import { randomUUID } from 'node:crypto';

export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (contactHandle["contacts.upsert"]); capture in JesseSBezerra/hub-tedio-webhook app/EVENTOS.md (docs/api.md §1.11)';

/** `contacts` as `[digits, pushName, profilePicUrl]`. */
export function body(o: {
  instance: string;
  contacts: [string, string | null, string | null][];
}): Record<string, unknown> {
  const instanceId = randomUUID();
  return {
    event: 'contacts.upsert',
    instance: o.instance,
    data: o.contacts.map(([digits, pushName, profilePicUrl]) => ({
      remoteJid: `${digits}@s.whatsapp.net`,
      pushName: pushName ?? digits,
      profilePicUrl,
      instanceId,
    })),
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    server_url: 'http://evolution.test:8080',
    apikey: null,
  };
}

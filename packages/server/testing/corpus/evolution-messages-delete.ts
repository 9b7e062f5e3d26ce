/**
 * Corpus (issue #13 §5): a message deleted for everyone, as Evolution's
 * `messages.delete`: `data` is the deleted message's key plus
 * `status: "DELETED"` (sent from the `messages.update` handler when
 * `update.message === null && update.status === undefined`). Confirmed as
 * the live revoke path for Baileys-based Evolution by
 * evolution-foundation/evo-ai-crm-community PR #167; the same payload is
 * reproduced by verbeux-ai/whatsmiau PR #29 (`{id, remoteJid, fromMe, participant, status: DELETED}`).
 */
export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (messages.update: sendDataWebhook(Events.MESSAGES_DELETE, { ...key, status: "DELETED" })); evo-ai-crm-community PR #167; whatsmiau PR #29';

export function body(o: {
  instance: string;
  from: string;
  id: string;
  fromMe?: boolean;
}): Record<string, unknown> {
  return {
    event: 'messages.delete',
    instance: o.instance,
    data: {
      remoteJid: `${o.from}@s.whatsapp.net`,
      fromMe: o.fromMe ?? false,
      id: o.id,
      status: 'DELETED',
    },
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    server_url: 'http://evolution.test:8080',
    apikey: null,
  };
}

/**
 * Corpus (issue #13 §5): the revoking protocolMessage of a deletion for
 * everyone. Evolution's upsert handler posts every `protocolMessage` as
 * `messages.edited` with the protocolMessage itself as `data`
 * (`{key: <deleted message's key>, type: "REVOKE"}`); older servers and
 * proxies leave it in `messages.upsert` (`data.message.protocolMessage`).
 */
import { randomMessageId, upsertBody } from '../evolution-fixtures.js';

export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (messages.upsert: editedMessage = received.message.protocolMessage → sendDataWebhook(Events.MESSAGES_EDITED, editedMessage)); Baileys proto ProtocolMessage.Type REVOKE = 0';

export interface RevokeOptions {
  instance: string;
  from: string;
  /** Provider id of the deleted message. */
  id: string;
  fromMe?: boolean;
}

/** As `messages.edited` (2.2+). */
export function editedBody(o: RevokeOptions): Record<string, unknown> {
  return {
    event: 'messages.edited',
    instance: o.instance,
    data: {
      key: { remoteJid: `${o.from}@s.whatsapp.net`, fromMe: o.fromMe ?? false, id: o.id },
      type: 'REVOKE',
    },
    destination: 'http://newton.test/webhooks/evolution',
    date_time: new Date().toISOString(),
    server_url: 'http://evolution.test:8080',
    apikey: null,
  };
}

/** As `messages.upsert` (older servers, proxies), with Baileys' numeric enum. */
export function upsertRevokeBody(o: RevokeOptions): Record<string, unknown> {
  return upsertBody({
    instance: o.instance,
    from: o.from,
    fromMe: o.fromMe ?? false,
    sender: null,
    id: randomMessageId(),
    message: {
      protocolMessage: {
        key: { remoteJid: `${o.from}@s.whatsapp.net`, fromMe: o.fromMe ?? false, id: o.id },
        type: 0,
      },
    },
  }) as unknown as Record<string, unknown>;
}

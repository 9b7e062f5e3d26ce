/**
 * Evolution API 2.2.x `messages.update` without `status`: what it posts when
 * a message is edited (its new text follows in `messages.edited`). Source:
 * EvolutionAPI/evolution-api `whatsapp.baileys.service.ts` `messages.update`
 * handler (`status: status[update.status]`, undefined for an edit); issues #1380, #2010, #13.
 * Newton answers 200 `ignored` with a reason, never 400.
 */
export const source =
  'EvolutionAPI/evolution-api whatsapp.baileys.service.ts messages.update; issues #1380, #2010, #13';

export const body = {
  event: 'messages.update',
  instance: 'newton-test',
  data: {
    messageId: 'cm4b9x0k20001qz8f7v3h2j1k',
    keyId: '3EB0C4A1B2C3D4E5F60007',
    remoteJid: '573004441007@s.whatsapp.net',
    fromMe: true,
    participant: '573004441007@s.whatsapp.net',
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:06:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** The answer (and receipt) Newton gives it. */
export const expected = {
  status: 200,
  outcome: 'ignored',
  reason: 'update without a status (an edit: its new text comes in messages.edited)',
};

/**
 * Evolution API 2.2.x `messages.update` for a poll vote: no `status`, the
 * votes aggregated in `pollUpdates` (`getAggregateVotesInPollMessage`:
 * `[{name, voters}]`). Source: EvolutionAPI/evolution-api
 * `whatsapp.baileys.service.ts` `messages.update` handler; issue #13.
 * Newton keeps no votes (a poll's question and options are kept on the poll
 * message): answered 200 `ignored` with the reason.
 */
export const source =
  'EvolutionAPI/evolution-api whatsapp.baileys.service.ts messages.update (pollUpdates); issue #13';

export const body = {
  event: 'messages.update',
  instance: 'newton-test',
  data: {
    messageId: 'cm4b9x0k20002qz8f7v3h2j1m',
    keyId: '3EB0C4A1B2C3D4E5F60005',
    remoteJid: '573004441005@s.whatsapp.net',
    fromMe: false,
    participant: '573004441005@s.whatsapp.net',
    pollUpdates: [
      { name: 'Mañana', voters: [] },
      { name: 'Tarde', voters: ['573004441005@s.whatsapp.net'] },
      { name: 'Noche', voters: [] },
    ],
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:07:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** The answer (and receipt) Newton gives it. */
export const expected = {
  status: 200,
  outcome: 'ignored',
  reason: 'poll vote (messages.update with pollUpdates): votes are not kept',
};

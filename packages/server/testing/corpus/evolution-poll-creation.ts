/**
 * Evolution API 2.2.x `messages.upsert`: a poll created in the chat (Baileys
 * `pollCreationMessageV3`: `name`, `options[].optionName`,
 * `selectableOptionsCount`). Source: EvolutionAPI/evolution-api
 * `whatsapp.baileys.service.ts` (`pollMessage` sends `{poll: {name,
 * selectableCount, values}}`, which Baileys turns into this); issue #13.
 */
export const source = 'EvolutionAPI/evolution-api whatsapp.baileys.service.ts (pollMessage); issue #13';

export const body = {
  event: 'messages.upsert',
  instance: 'newton-test',
  data: {
    key: { remoteJid: '573004441005@s.whatsapp.net', fromMe: false, id: '3EB0C4A1B2C3D4E5F60005' },
    pushName: 'Marta Díaz',
    status: 'DELIVERY_ACK',
    message: {
      pollCreationMessageV3: {
        name: '¿Qué horario te sirve para la entrega?',
        options: [{ optionName: 'Mañana' }, { optionName: 'Tarde' }, { optionName: 'Noche' }],
        selectableOptionsCount: 1,
      },
      messageContextInfo: {
        messageSecret: 'cG9sbC1zZWNyZXQta2V5LWZvci12b3Rlcy0zMmJ5dGVz',
      },
    },
    messageType: 'pollCreationMessageV3',
    messageTimestamp: 1764979440,
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
    source: 'android',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:04:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** What Newton stores and pushes. */
export const expected = {
  type: 'poll',
  content: '¿Qué horario te sirve para la entrega?',
  poll: {
    question: '¿Qué horario te sirve para la entrega?',
    options: ['Mañana', 'Tarde', 'Noche'],
    selectable_count: 1,
  },
};

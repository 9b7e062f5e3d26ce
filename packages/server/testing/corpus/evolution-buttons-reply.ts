/**
 * Evolution API 2.2.x `messages.upsert`: the customer tapped a reply button
 * (Baileys `buttonsResponseMessage`). Source: EvolutionAPI/evolution-api
 * `src/utils/getConversationMessage.ts` (reads `buttonsResponseMessage.selectedButtonId`)
 * and `whatsapp.baileys.service.ts` `prepareMessage`; shape as in issue #13.
 */
export const source = 'EvolutionAPI/evolution-api src/utils/getConversationMessage.ts; issue #13';

export const body = {
  event: 'messages.upsert',
  instance: 'newton-test',
  data: {
    key: { remoteJid: '573004441001@s.whatsapp.net', fromMe: false, id: '3EB0C4A1B2C3D4E5F60001' },
    pushName: 'Laura Pérez',
    status: 'DELIVERY_ACK',
    message: {
      buttonsResponseMessage: {
        selectedButtonId: 'btn_confirm_visit',
        selectedDisplayText: 'Sí, agendar visita',
        contextInfo: { stanzaId: '3EB0AA00BB11CC22DD33', participant: '5511987654321@s.whatsapp.net' },
        type: 'DISPLAY_TEXT',
      },
      messageContextInfo: { messageSecret: 'c2VjcmV0LWJ1dHRvbnMtcmVwbHk=' },
    },
    messageType: 'buttonsResponseMessage',
    messageTimestamp: 1764979200,
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
    source: 'android',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:00:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** What Newton stores and pushes. */
export const expected = {
  type: 'interactive_reply',
  content: 'Sí, agendar visita',
  interactive: { kind: 'button', id: 'btn_confirm_visit', title: 'Sí, agendar visita' },
};

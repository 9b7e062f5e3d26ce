/**
 * Evolution API 2.2.x `messages.upsert`: the customer tapped a template's
 * quick-reply button (Baileys `templateButtonReplyMessage`). Source:
 * EvolutionAPI/evolution-api `src/utils/getConversationMessage.ts` (reads
 * `templateButtonReplyMessage.selectedId`); Baileys WAProto `TemplateButtonReplyMessage`.
 */
export const source = 'EvolutionAPI/evolution-api src/utils/getConversationMessage.ts; Baileys WAProto';

export const body = {
  event: 'messages.upsert',
  instance: 'newton-test',
  data: {
    key: { remoteJid: '573004441003@s.whatsapp.net', fromMe: false, id: '3EB0C4A1B2C3D4E5F60003' },
    pushName: 'Diana Mora',
    status: 'DELIVERY_ACK',
    message: {
      templateButtonReplyMessage: {
        selectedId: 'STOP_PROMOS',
        selectedDisplayText: 'No quiero promociones',
        contextInfo: { stanzaId: '3EB0AA00BB11CC22DD35', participant: '5511987654321@s.whatsapp.net' },
        selectedIndex: 1,
      },
    },
    messageType: 'templateButtonReplyMessage',
    messageTimestamp: 1764979320,
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
    source: 'android',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:02:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** What Newton stores and pushes. */
export const expected = {
  type: 'interactive_reply',
  content: 'No quiero promociones',
  interactive: { kind: 'template_button', id: 'STOP_PROMOS', title: 'No quiero promociones' },
};

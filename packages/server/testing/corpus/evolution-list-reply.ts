/**
 * Evolution API 2.2.x `messages.upsert`: the customer picked a row of a list
 * (Baileys `listResponseMessage`). Source: EvolutionAPI/evolution-api
 * `src/utils/getConversationMessage.ts` (reads `listResponseMessage.title` and
 * `singleSelectReply.selectedRowId`); shape as in issue #13.
 */
export const source = 'EvolutionAPI/evolution-api src/utils/getConversationMessage.ts; issue #13';

export const body = {
  event: 'messages.upsert',
  instance: 'newton-test',
  data: {
    key: { remoteJid: '573004441002@s.whatsapp.net', fromMe: false, id: '3EB0C4A1B2C3D4E5F60002' },
    pushName: 'Carlos Ríos',
    status: 'DELIVERY_ACK',
    message: {
      listResponseMessage: {
        title: 'iPhone 13 128 GB',
        listType: 'SINGLE_SELECT',
        singleSelectReply: { selectedRowId: 'row_iphone13_128' },
        contextInfo: { stanzaId: '3EB0AA00BB11CC22DD34', participant: '5511987654321@s.whatsapp.net' },
        description: 'Usado, excelente estado',
      },
      messageContextInfo: { messageSecret: 'c2VjcmV0LWxpc3QtcmVwbHk=' },
    },
    messageType: 'listResponseMessage',
    messageTimestamp: 1764979260,
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
    source: 'ios',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:01:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** What Newton stores and pushes. */
export const expected = {
  type: 'interactive_reply',
  content: 'iPhone 13 128 GB',
  interactive: {
    kind: 'list',
    id: 'row_iphone13_128',
    title: 'iPhone 13 128 GB',
    description: 'Usado, excelente estado',
  },
};

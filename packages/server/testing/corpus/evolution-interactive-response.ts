/**
 * Evolution API 2.3.x `messages.upsert`: the customer answered a native-flow
 * quick-reply button (what Evolution's `/message/sendButtons` sends since
 * 2.3; Baileys `interactiveResponseMessage.nativeFlowResponseMessage` with
 * `paramsJson` `{id, display_text}`). Source: EvolutionAPI/evolution-api
 * `src/api/integrations/channel/whatsapp/helpers/interactiveMessage.helper.ts`
 * (`toNativeFlowButton`); issue #13.
 */
export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/helpers/interactiveMessage.helper.ts; issue #13';

export const body = {
  event: 'messages.upsert',
  instance: 'newton-test',
  data: {
    key: { remoteJid: '573004441004@s.whatsapp.net', fromMe: false, id: '3EB0C4A1B2C3D4E5F60004' },
    pushName: 'Andrés Gil',
    status: 'DELIVERY_ACK',
    message: {
      interactiveResponseMessage: {
        body: { text: 'Hablar con un asesor', format: 'DEFAULT' },
        nativeFlowResponseMessage: {
          name: 'quick_reply',
          paramsJson: '{"display_text":"Hablar con un asesor","id":"talk_to_agent"}',
          version: 3,
        },
        contextInfo: { stanzaId: '3EB0AA00BB11CC22DD36', participant: '5511987654321@s.whatsapp.net' },
      },
      messageContextInfo: { messageSecret: 'c2VjcmV0LWludGVyYWN0aXZl' },
    },
    messageType: 'interactiveResponseMessage',
    messageTimestamp: 1764979380,
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
    source: 'android',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:03:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** What Newton stores and pushes. */
export const expected = {
  type: 'interactive_reply',
  content: 'Hablar con un asesor',
  interactive: { kind: 'button', id: 'talk_to_agent', title: 'Hablar con un asesor', name: 'quick_reply' },
};

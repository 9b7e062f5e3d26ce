/**
 * Evolution API 2.2.x `messages.upsert`: a place shared from Maps, with its
 * web page (Baileys `locationMessage.url`). Source: Baileys WAProto
 * `LocationMessage` (`degreesLatitude`, `degreesLongitude`, `name`,
 * `address`, `url`), passed through by EvolutionAPI/evolution-api `prepareMessage`; issue #13.
 */
export const source =
  'Baileys WAProto LocationMessage via EvolutionAPI/evolution-api prepareMessage; issue #13';

export const body = {
  event: 'messages.upsert',
  instance: 'newton-test',
  data: {
    key: { remoteJid: '573004441006@s.whatsapp.net', fromMe: false, id: '3EB0C4A1B2C3D4E5F60006' },
    pushName: 'Jorge León',
    status: 'DELIVERY_ACK',
    message: {
      locationMessage: {
        degreesLatitude: 6.2476376,
        degreesLongitude: -75.5658153,
        name: 'Centro Comercial Santafé',
        address: 'Cra. 43A #7 Sur-170, Medellín',
        url: 'https://maps.google.com/?cid=1234567890123456789',
        jpegThumbnail: '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR8eHR',
      },
    },
    messageType: 'locationMessage',
    messageTimestamp: 1764979500,
    instanceId: '9f6c1c7e-4b0a-4f7e-9a51-2f1d3c5b7a90',
    source: 'ios',
  },
  destination: 'http://newton.test/webhooks/evolution',
  date_time: '2025-12-06T00:05:00.000Z',
  sender: '5511987654321@s.whatsapp.net',
  server_url: 'http://evolution.test:8080',
  apikey: null,
};

/** What Newton stores and pushes. */
export const expected = {
  type: 'location',
  content: 'Centro Comercial Santafé',
  location: {
    latitude: 6.2476376,
    longitude: -75.5658153,
    name: 'Centro Comercial Santafé',
    address: 'Cra. 43A #7 Sur-170, Medellín',
    url: 'https://maps.google.com/?cid=1234567890123456789',
  },
};

/**
 * WhatsApp Cloud API: a place the customer shared, with its web page.
 * Source: Meta webhook reference, messages → location
 * (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages/location):
 * `location: {address, latitude, longitude, name, url}`.
 */
export const source = 'Meta webhook reference: messages (location)';

export const body = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505552005' }],
            messages: [
              {
                from: '16505552005',
                id: 'wamid.HBgLMTY1MDU1NTIwMDUVAgASGBQzQUxPQ0FUSU9OVVJMMDAwMDAwMQA=',
                timestamp: '1764979440',
                type: 'location',
                location: {
                  address: '1 Hacker Way, Menlo Park, CA 94025',
                  latitude: 37.483307,
                  longitude: -122.148981,
                  name: 'Meta Headquarters',
                  url: 'https://www.meta.com',
                },
              },
            ],
          },
          field: 'messages',
        },
      ],
    },
  ],
};

/** What Newton stores and pushes. */
export const expected = {
  type: 'location',
  content: 'Meta Headquarters',
  location: {
    latitude: 37.483307,
    longitude: -122.148981,
    name: 'Meta Headquarters',
    address: '1 Hacker Way, Menlo Park, CA 94025',
    url: 'https://www.meta.com',
  },
};

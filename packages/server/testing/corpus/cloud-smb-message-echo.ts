/**
 * WhatsApp Cloud API coexistence: the business typed a message in the
 * WhatsApp Business app on a number also used through the Cloud API.
 * Source: Meta webhook reference, smb_message_echoes
 * (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/smb_message_echoes):
 * `field: "smb_message_echoes"`, `value.message_echoes[]: {from: <business>, to: <customer>, id, timestamp, type, text}`.
 */
export const source = 'Meta webhook reference: smb_message_echoes';

export const WAMID = 'wamid.HBgLMTY1MDU1NTIwMDcVAgARGBQzQVNNQkVDSE8wMDAwMDAwMDAwMQA=';

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
            message_echoes: [
              {
                from: '15550783881',
                to: '16505552007',
                id: WAMID,
                timestamp: '1764979560',
                type: 'text',
                text: { body: 'Hola, te escribo desde la tienda: ya tenemos tu equipo listo.' },
              },
            ],
          },
          field: 'smb_message_echoes',
        },
      ],
    },
  ],
};

/** What Newton stores and pushes: the business's own message, to the customer `to`. */
export const expected = {
  type: 'text',
  content: 'Hola, te escribo desde la tienda: ya tenemos tu equipo listo.',
  sender: 'agent',
  direction: 'outbound',
  status: 'sent',
  phone: '+16505552007',
  sender_user_id: null,
};

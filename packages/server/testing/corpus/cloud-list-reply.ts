/**
 * WhatsApp Cloud API: the customer picked a row of a list message. Source:
 * Meta webhook reference, messages → interactive
 * (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages/interactive),
 * `interactive.type: "list_reply"`, `list_reply: {id, title, description}`.
 */
export const source = 'Meta webhook reference: messages (interactive, list_reply)';

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
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505552002' }],
            messages: [
              {
                context: {
                  from: '15550783881',
                  id: 'wamid.HBgLMTY1MDU1NTIwMDIVAgARGBJMSVNUTUVTU0FHRTAwMDAwMQA=',
                },
                from: '16505552002',
                id: 'wamid.HBgLMTY1MDU1NTIwMDIVAgASGBQzQUxJU1RSRVBMWTAwMDAwMDAwMQA=',
                timestamp: '1764979260',
                type: 'interactive',
                interactive: {
                  type: 'list_reply',
                  list_reply: { id: 'ship_express', title: 'Envío express', description: 'Llega en 24 h' },
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
  type: 'interactive_reply',
  content: 'Envío express',
  interactive: { kind: 'list', id: 'ship_express', title: 'Envío express', description: 'Llega en 24 h' },
};

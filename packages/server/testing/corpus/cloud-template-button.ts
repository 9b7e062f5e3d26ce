/**
 * WhatsApp Cloud API: the customer tapped a quick-reply button of a template
 * message. Source: Meta webhook reference, messages → button
 * (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages/button):
 * `type: "button"`, `button: {payload, text}`, `context` of the template.
 */
export const source = 'Meta webhook reference: messages (button)';

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
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505552003' }],
            messages: [
              {
                context: {
                  from: '15550783881',
                  id: 'wamid.HBgLMTY1MDU1NTIwMDMVAgARGBJURU1QTEFURTAwMDAwMDAxAA==',
                },
                from: '16505552003',
                id: 'wamid.HBgLMTY1MDU1NTIwMDMVAgASGBQzQVRFTVBMQVRFQlVUVE9OMDAwMQA=',
                timestamp: '1764979320',
                type: 'button',
                button: { payload: 'UNSUBSCRIBE_PROMOS', text: 'No más promociones' },
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
  content: 'No más promociones',
  interactive: { kind: 'template_button', id: 'UNSUBSCRIBE_PROMOS', title: 'No más promociones' },
};

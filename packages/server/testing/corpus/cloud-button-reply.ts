/**
 * WhatsApp Cloud API: the customer tapped a reply button of an interactive
 * message. Source: Meta webhook reference, messages → interactive
 * (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages/interactive),
 * `interactive.type: "button_reply"`, `button_reply: {id, title}`, with `context` of the message answered.
 */
export const source = 'Meta webhook reference: messages (interactive, button_reply)';

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
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505552001' }],
            messages: [
              {
                context: {
                  from: '15550783881',
                  id: 'wamid.HBgLMTY1MDU1NTIwMDEVAgARGBJBQkNERUYwMTIzNDU2Nzg5AA==',
                },
                from: '16505552001',
                id: 'wamid.HBgLMTY1MDU1NTIwMDEVAgASGBQzQUJVVFRPTlJFUExZMDAwMDAxAA==',
                timestamp: '1764979200',
                type: 'interactive',
                interactive: {
                  type: 'button_reply',
                  button_reply: { id: 'confirm_yes', title: 'Sí, confirmo' },
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
  content: 'Sí, confirmo',
  interactive: { kind: 'button', id: 'confirm_yes', title: 'Sí, confirmo' },
};

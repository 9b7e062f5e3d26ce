/**
 * WhatsApp Cloud API: the customer completed a WhatsApp Flow. Source: Meta
 * "Receiving Flow Response"
 * (developers.facebook.com/documentation/business-messaging/whatsapp/flows/guides/receiveflowresponse):
 * `interactive.type: "nfm_reply"`, `nfm_reply: {name: "flow", body: "Sent",
 * response_json: "<JSON text with flow_token and the form's fields>"}`.
 */
export const source = 'Meta WhatsApp Flows: Receiving Flow Response (interactive, nfm_reply)';

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
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505552004' }],
            messages: [
              {
                context: { from: '15550783881', id: 'gBGGEiRVVgBPAgm7FUgc73noXjo' },
                from: '16505552004',
                id: 'wamid.HBgLMTY1MDU1NTIwMDQVAgASGBQzQUZMT1dSRVBMWTAwMDAwMDAwMQA=',
                timestamp: '1764979380',
                type: 'interactive',
                interactive: {
                  type: 'nfm_reply',
                  nfm_reply: {
                    name: 'flow',
                    body: 'Sent',
                    response_json:
                      '{"flow_token": "appt-7731", "service": "trade_in", "model": "Galaxy S22", "date": "2025-12-09"}',
                  },
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
  content: 'Sent',
  interactive: {
    kind: 'flow',
    id: 'appt-7731',
    title: 'Sent',
    name: 'flow',
    response_json: { flow_token: 'appt-7731', service: 'trade_in', model: 'Galaxy S22', date: '2025-12-09' },
  },
};

/**
 * Cloud API `message_template_status_update`: about the account's templates,
 * naming only the WhatsApp Business Account (no phone_number_id).
 */
export const source =
  'Meta, message_template_status_update webhook reference: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update/';

export function body(o: { wabaId: string; event?: string; reason?: string }): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: o.wabaId,
        time: Math.floor(Date.now() / 1000),
        changes: [
          {
            value: {
              event: o.event ?? 'APPROVED',
              message_template_id: 1689556908129832,
              message_template_name: 'order_confirmation',
              message_template_language: 'es',
              reason: o.reason ?? 'NONE',
            },
            field: 'message_template_status_update',
          },
        ],
      },
    ],
  };
}

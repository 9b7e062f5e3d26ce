/**
 * Cloud API `user_changed_number` system message: `from` is the number the
 * customer left, `system.wa_id` the new one; no `contacts[]`.
 */
import { randomWamid } from '../cloud-fixtures.js';

export const source =
  'Meta, System messages webhook reference: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/system/';

export function body(o: {
  phoneNumberId: string;
  displayPhoneNumber?: string;
  wabaId?: string;
  oldWaId: string;
  newWaId: string;
  name?: string;
  id?: string;
}): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: o.wabaId ?? '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: o.displayPhoneNumber ?? '15550783881',
                phone_number_id: o.phoneNumberId,
              },
              messages: [
                {
                  from: o.oldWaId,
                  id: o.id ?? randomWamid(),
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'system',
                  system: {
                    body: `User ${o.name ?? 'Sheena Nelson'} changed from ${o.oldWaId} to ${o.newWaId}`,
                    wa_id: o.newWaId,
                    type: 'user_changed_number',
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
}

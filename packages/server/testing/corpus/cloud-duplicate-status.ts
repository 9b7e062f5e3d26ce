/**
 * WhatsApp Cloud API: a `delivered` status that arrives after `read` (Meta
 * does not guarantee order and retries for days: docs/api.md §1.8).
 * Source: Meta webhook reference, messages → statuses
 * (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages/status).
 * Newton answers `duplicate` with the status the message has (`read`), as it
 * does for Evolution's `messages.update`.
 */
import { WAMID } from './cloud-smb-message-echo.js';

export const source = 'Meta webhook reference: messages (statuses)';

function statusBody(status: 'read' | 'delivered', timestamp: string) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              statuses: [
                {
                  id: WAMID,
                  status,
                  timestamp,
                  recipient_id: '16505552007',
                  ...(status === 'delivered'
                    ? {
                        pricing: {
                          billable: true,
                          pricing_model: 'PMP',
                          type: 'regular',
                          category: 'service',
                        },
                      }
                    : {}),
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

/** First the read status (applied), then the late delivered one (the duplicate). */
export const read = statusBody('read', '1764979620');
export const body = statusBody('delivered', '1764979600');

/** The answer to `body`. */
export const expected = { outcome: 'duplicate', status: 'read', reason: 'message is already read' };

/**
 * WhatsApp Cloud API: the customer sent a cart from the business's catalog.
 * Source: Meta webhook reference, messages → order
 * (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/reference/messages/order):
 * `order: {catalog_id, text, product_items: [{product_retailer_id, quantity, item_price, currency}]}`.
 */
export const source = 'Meta webhook reference: messages (order)';

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
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505552006' }],
            messages: [
              {
                from: '16505552006',
                id: 'wamid.HBgLMTY1MDU1NTIwMDYVAgASGBQzQU9SREVSMDAwMDAwMDAwMDAwMQA=',
                timestamp: '1764979500',
                type: 'order',
                order: {
                  catalog_id: '1537268673700987',
                  text: 'Los quiero para el viernes',
                  product_items: [
                    {
                      product_retailer_id: 'SKU-IP13-128',
                      quantity: 1,
                      item_price: 2450000,
                      currency: 'COP',
                    },
                    { product_retailer_id: 'SKU-CASE-IP13', quantity: 2, item_price: 45000, currency: 'COP' },
                  ],
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
  type: 'order',
  content: 'Los quiero para el viernes',
  order: {
    catalog_id: '1537268673700987',
    text: 'Los quiero para el viernes',
    items: [
      { product_retailer_id: 'SKU-IP13-128', quantity: 1, item_price: 2450000, currency: 'COP' },
      { product_retailer_id: 'SKU-CASE-IP13', quantity: 2, item_price: 45000, currency: 'COP' },
    ],
  },
};

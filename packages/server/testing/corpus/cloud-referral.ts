/**
 * Cloud API text message from a click-to-WhatsApp ad: `messages[].referral`.
 */
import { cloudBody, cloudMessage, messagesValue } from '../cloud-fixtures.js';

export const source =
  'Meta, Text messages webhook reference (referral): developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/text/';

export const referral = {
  source_url: 'https://fb.me/3cr4Wqqkv',
  source_id: '120226305854810726',
  source_type: 'ad',
  body: 'Compramos tu celular usado al mejor precio',
  headline: 'Vende tu celular hoy',
  media_type: 'image',
  image_url: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/518691932_n.png',
  thumbnail_url: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/518691932_t.png',
  ctwa_clid:
    'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a',
  welcome_message: { text: 'Hola! ¿Qué celular quieres vender?' },
};

export function body(o: {
  phoneNumberId: string;
  from: string;
  text?: string;
  withReferral?: typeof referral;
}) {
  const message = cloudMessage({
    from: o.from,
    content: { type: 'text', text: { body: o.text ?? 'Hola, vi su anuncio' } },
    extra: { referral: o.withReferral ?? referral },
  });
  return cloudBody(messagesValue({ phoneNumberId: o.phoneNumberId, from: o.from }, [message]));
}

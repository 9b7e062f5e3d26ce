/**
 * Evolution `messages.upsert` of a customer who tapped a click-to-WhatsApp
 * ad: Evolution copies the content's `contextInfo` to `data.contextInfo`,
 * where Baileys puts the ad as `externalAdReply` (`thumbnail` would be image
 * bytes; Evolution passes it through, Newton never keeps it).
 */
import { upsertBody } from '../evolution-fixtures.js';

export const source =
  'EvolutionAPI/evolution-api src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts (messages.upsert: messageRaw.contextInfo = contentMsg?.contextInfo); WhiskeySockets/Baileys WAProto ContextInfo.ExternalAdReplyInfo';

export const externalAdReply = {
  title: 'Vende tu celular hoy',
  body: 'Compramos tu celular usado al mejor precio',
  mediaType: 1,
  thumbnailUrl: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/518691932_t.png',
  mediaUrl: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/518691932_n.png',
  thumbnail: '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsL',
  sourceType: 'ad',
  sourceId: '120226305854810726',
  sourceUrl: 'https://fb.me/3cr4Wqqkv',
  containsAutoReply: false,
  renderLargerThumbnail: true,
  showAdAttribution: true,
  ctwaClid: 'Afc4Hq1v2Yt8ExampleClickIdFromMetaAds',
};

export function body(o: { instance: string; from: string; text?: string }) {
  const b = upsertBody({
    instance: o.instance,
    from: o.from,
    sender: null,
    text: o.text ?? 'Hola, vi su anuncio',
  });
  (b.data as unknown as Record<string, unknown>).contextInfo = {
    externalAdReply: externalAdReply,
    entryPointConversionSource: 'ctwa_ad',
    entryPointConversionApp: 'facebook',
  };
  return b;
}

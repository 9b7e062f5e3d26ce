/**
 * Evolution `messages.upsert` items carrying media: image, video, document, audio, voice note and sticker,
 * with their media fields.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  audioMessage,
  documentMessage,
  imageMessage,
  stickerMessage,
  videoMessage,
} from '../../../testing/evolution-fixtures.js';
import { inbound, parsed } from '../../../testing/evolution-parse-fixtures.js';

describe('parseUpsertItem: media', () => {
  test('image with caption', () => {
    const m = parsed(inbound(imageMessage('Este modelo en azul')));
    assert.equal(m.type, 'image');
    assert.equal(m.content, 'Este modelo en azul');
    const media = m.extra.media;
    assert.ok(media);
    assert.equal(media.mime_type, 'image/jpeg');
    assert.equal(media.size, 48213);
    assert.equal(media.file_name, null);
    assert.equal(media.seconds, null);
    assert.match(media.provider_ref ?? '', /^https:\/\/mmg\.whatsapp\.net\//);
  });

  test('image without caption has null content; directPath when url is missing', () => {
    const m = parsed(
      inbound({
        imageMessage: { mimetype: 'image/png', directPath: '/v/t62.7118-24/abc.enc', fileLength: 10 },
      }),
    );
    assert.equal(m.content, null);
    assert.deepEqual(m.extra.media, {
      mime_type: 'image/png',
      size: 10,
      file_name: null,
      seconds: null,
      provider_ref: '/v/t62.7118-24/abc.enc',
    });
  });

  test('video with seconds', () => {
    const m = parsed(inbound(videoMessage('mira')));
    assert.equal(m.type, 'video');
    assert.equal(m.content, 'mira');
    assert.equal(m.extra.media?.seconds, 14);
    assert.equal(m.extra.media?.size, 1834021);
    assert.equal(m.extra.media?.mime_type, 'video/mp4');
  });

  test('document with a Long fileLength and a file name', () => {
    const m = parsed(inbound(documentMessage('cotizacion.pdf')));
    assert.equal(m.type, 'document');
    assert.equal(m.content, null);
    assert.equal(m.extra.media?.file_name, 'cotizacion.pdf');
    assert.equal(m.extra.media?.size, 214873);
    assert.equal(m.extra.media?.mime_type, 'application/pdf');
  });

  test('Long fileLength with a high word', () => {
    const m = parsed(inbound({ documentMessage: { fileLength: { low: 5, high: 1, unsigned: true } } }));
    assert.equal(m.extra.media?.size, 2 ** 32 + 5);
  });

  test('unreadable fileLength is null', () => {
    for (const fileLength of ['12kb', -4, 1.5, null, { low: 'x' }]) {
      const m = parsed(inbound({ documentMessage: { fileLength } }));
      assert.equal(m.extra.media?.size, null, JSON.stringify(fileLength));
    }
  });

  test('documentWithCaptionMessage (v1) is unwrapped', () => {
    const m = parsed(
      inbound({
        documentWithCaptionMessage: {
          message: {
            documentMessage: {
              url: 'https://mmg.whatsapp.net/v/t62.7119-24/x.enc',
              mimetype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
              fileName: 'pedido.xlsx',
              fileLength: '7731',
              caption: 'segue o pedido',
            },
          },
        },
      }),
    );
    assert.equal(m.type, 'document');
    assert.equal(m.content, 'segue o pedido');
    assert.equal(m.extra.media?.file_name, 'pedido.xlsx');
    assert.equal(m.extra.media?.size, 7731);
  });

  test('voice note (ptt) and audio file', () => {
    const voice = parsed(inbound(audioMessage(true)));
    assert.equal(voice.type, 'voice');
    assert.equal(voice.content, null);
    assert.equal(voice.extra.media?.seconds, 6);
    assert.equal(voice.extra.media?.mime_type, 'audio/ogg; codecs=opus');
    const audio = parsed(inbound(audioMessage(false)));
    assert.equal(audio.type, 'audio');
    assert.equal(parsed(inbound({ audioMessage: { seconds: 3 } })).type, 'audio');
  });

  test('sticker', () => {
    const m = parsed(inbound(stickerMessage()));
    assert.equal(m.type, 'sticker');
    assert.equal(m.content, null);
    assert.equal(m.extra.media?.mime_type, 'image/webp');
  });
});

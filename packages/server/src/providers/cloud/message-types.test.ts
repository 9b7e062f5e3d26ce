/**
 * Every WhatsApp Cloud API message type through a signed webhook on a real
 * node (docs/api.md §1.8): each is stored and pushed with its type, content
 * and parts; system messages are not stored.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { cloudBody, cloudMessage, messagesValue, randomWamid } from '../../../testing/cloud-fixtures.js';
import { CLOUD_A as A, newMessageFor, useCloudPair } from '../../../testing/cloud-pair.js';

type Obj = Record<string, unknown>;

const cloud = useCloudPair();

describe('POST /webhooks/whatsapp: message types', () => {
  test('every message type is stored with its type, content and parts', async () => {
    const from = cloud().nextPhone();
    const w = () => randomWamid();
    const items: [Obj, Partial<MessagePayload>][] = [
      [
        {
          type: 'image',
          image: { id: '1479537139650973', mime_type: 'image/jpeg', sha256: 'abc', caption: 'Mi factura' },
        },
        {
          type: 'image',
          content: 'Mi factura',
          media: {
            mime_type: 'image/jpeg',
            size: null,
            file_name: null,
            seconds: null,
            provider_ref: '1479537139650973',
          },
        },
      ],
      [
        { type: 'video', video: { id: 'VID1', mime_type: 'video/mp4', sha256: 'x' } },
        {
          type: 'video',
          content: null,
          media: { mime_type: 'video/mp4', size: null, file_name: null, seconds: null, provider_ref: 'VID1' },
        },
      ],
      [
        {
          type: 'audio',
          audio: { id: 'AUD1', mime_type: 'audio/ogg; codecs=opus', sha256: 'x', voice: true },
        },
        { type: 'voice', content: null },
      ],
      [
        { type: 'audio', audio: { id: 'AUD2', mime_type: 'audio/mpeg', sha256: 'x', voice: false } },
        { type: 'audio' },
      ],
      [
        {
          type: 'document',
          document: {
            id: 'DOC1',
            mime_type: 'application/pdf',
            sha256: 'x',
            filename: 'cotización.pdf',
            caption: 'La cotización',
          },
        },
        {
          type: 'document',
          content: 'La cotización',
          media: {
            mime_type: 'application/pdf',
            size: null,
            file_name: 'cotización.pdf',
            seconds: null,
            provider_ref: 'DOC1',
          },
        },
      ],
      [
        { type: 'sticker', sticker: { id: 'STK1', mime_type: 'image/webp', sha256: 'x', animated: false } },
        { type: 'sticker', content: null },
      ],
      [
        {
          type: 'location',
          location: {
            latitude: 4.6097,
            longitude: -74.0817,
            name: 'Tienda Centro',
            address: 'Cra 7 #12-34, Bogotá',
          },
        },
        {
          type: 'location',
          content: 'Tienda Centro',
          location: {
            latitude: 4.6097,
            longitude: -74.0817,
            name: 'Tienda Centro',
            address: 'Cra 7 #12-34, Bogotá',
          },
        },
      ],
      [
        {
          type: 'contacts',
          contacts: [
            {
              name: { formatted_name: 'Ana Ruiz', first_name: 'Ana' },
              phones: [{ phone: '+57 300 111 2233', wa_id: '573001112233', type: 'CELL' }],
            },
          ],
        },
        { type: 'contact', content: 'Ana Ruiz' },
      ],
      [
        {
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Sí, confirmo' } },
        },
        {
          type: 'interactive_reply',
          content: 'Sí, confirmo',
          interactive: { kind: 'button', id: 'yes', title: 'Sí, confirmo' },
        },
      ],
      [
        {
          type: 'interactive',
          interactive: {
            type: 'list_reply',
            list_reply: { id: 'opt2', title: 'Envío express', description: '24 h' },
          },
        },
        {
          type: 'interactive_reply',
          content: 'Envío express',
          interactive: { kind: 'list', id: 'opt2', title: 'Envío express', description: '24 h' },
        },
      ],
      [
        { type: 'button', button: { payload: 'STOP', text: 'No más mensajes' } },
        {
          type: 'interactive_reply',
          content: 'No más mensajes',
          interactive: { kind: 'template_button', id: 'STOP', title: 'No más mensajes' },
        },
      ],
      [
        { type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown' }] },
        { type: 'unsupported', content: null },
      ],
    ];
    const messages = items.map(([content]) => cloudMessage({ from, id: w(), content }));
    const system = cloudMessage({
      from,
      id: w(),
      content: { type: 'system', system: { body: 'changed number' } },
    });
    const r = await cloud().post(
      cloudBody(messagesValue({ phoneNumberId: A.pnid, from, name: 'Tipos' }, [...messages, system])),
      A.secret,
    );
    assert.equal(r.status, 200);
    const outcomes = (r.body.items as Obj[]).map((i) => i.outcome);
    assert.deepEqual(outcomes, [...items.map(() => 'accepted'), 'ignored']);
    for (const [i, [, expected]] of items.entries()) {
      const frame = await newMessageFor(cloud().socketA, String(messages[i]?.id));
      const m = frame.message as MessagePayload;
      for (const [k, v] of Object.entries(expected))
        assert.deepEqual(m[k as keyof MessagePayload], v, `${expected.type}.${k}`);
    }
    const contact = await newMessageFor(cloud().socketA, String(messages[7]?.id));
    const vcard = (contact.message as MessagePayload).contacts?.[0]?.vcard ?? '';
    assert.match(vcard, /FN:Ana Ruiz/);
    assert.match(vcard, /TEL;TYPE=CELL;waid=573001112233:\+57 300 111 2233/);
    assert.equal((await cloud().messageRows(String(system.id))).length, 0);
  });
});

/**
 * Evolution `messages.upsert` items carrying a location, contact cards or a reaction.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contactMessage, locationMessage, reactionMessage } from '../../../testing/evolution-fixtures.js';
import { inbound, parsed } from '../../../testing/evolution-parse-fixtures.js';
import { parseUpsertItem } from './parse.js';

describe('parseUpsertItem: location, contact, reaction', () => {
  test('location with name and address', () => {
    const m = parsed(inbound(locationMessage(4.6533, -74.0836, 'Tienda Chapinero', 'Cra 13 #54-20, Bogotá')));
    assert.equal(m.type, 'location');
    assert.equal(m.content, 'Tienda Chapinero');
    assert.deepEqual(m.extra.location, {
      latitude: 4.6533,
      longitude: -74.0836,
      name: 'Tienda Chapinero',
      address: 'Cra 13 #54-20, Bogotá',
    });
  });

  test('location with only an address, and with neither', () => {
    assert.equal(
      parsed(inbound(locationMessage(-23.56, -46.65, undefined, 'Av. Paulista, 1000'))).content,
      'Av. Paulista, 1000',
    );
    const bare = parsed(inbound(locationMessage(-23.56, -46.65)));
    assert.equal(bare.content, null);
    assert.deepEqual(bare.extra.location, { latitude: -23.56, longitude: -46.65, name: null, address: null });
  });

  test('live location', () => {
    const m = parsed(
      inbound({
        liveLocationMessage: {
          degreesLatitude: 19.4326,
          degreesLongitude: -99.1332,
          sequenceNumber: '1',
          caption: 'voy llegando',
        },
      }),
    );
    assert.equal(m.type, 'location');
    assert.equal(m.content, 'voy llegando');
    assert.equal(m.extra.location?.latitude, 19.4326);
  });

  test('location without coordinates keeps its type but no location', () => {
    const m = parsed(inbound({ locationMessage: { name: 'Casa' } }));
    assert.equal(m.type, 'location');
    assert.equal(m.extra.location, undefined);
  });

  test('single contact', () => {
    const m = parsed(inbound(contactMessage('Juan Pérez', '573109876543')));
    assert.equal(m.type, 'contact');
    assert.equal(m.content, 'Juan Pérez');
    assert.equal(m.extra.contacts?.length, 1);
    assert.equal(m.extra.contacts?.[0]?.name, 'Juan Pérez');
    assert.match(m.extra.contacts?.[0]?.vcard ?? '', /waid=573109876543/);
  });

  test('contacts array', () => {
    const m = parsed(
      inbound({
        contactsArrayMessage: {
          displayName: '2 contatos',
          contacts: [
            { displayName: 'Ana Souza', vcard: 'BEGIN:VCARD\nFN:Ana Souza\nEND:VCARD' },
            { displayName: 'Bruno Lima', vcard: 'BEGIN:VCARD\nFN:Bruno Lima\nEND:VCARD' },
            'garbage',
          ],
        },
      }),
    );
    assert.equal(m.type, 'contact');
    assert.equal(m.content, 'Ana Souza, Bruno Lima');
    assert.deepEqual(m.extra.contacts, [
      { name: 'Ana Souza', vcard: 'BEGIN:VCARD\nFN:Ana Souza\nEND:VCARD' },
      { name: 'Bruno Lima', vcard: 'BEGIN:VCARD\nFN:Bruno Lima\nEND:VCARD' },
    ]);
  });

  test('contacts array without names falls back to its displayName', () => {
    const m = parsed(
      inbound({ contactsArrayMessage: { displayName: '2 contatos', contacts: [{ vcard: 'V1' }] } }),
    );
    assert.equal(m.content, '2 contatos');
    assert.deepEqual(m.extra.contacts, [{ name: null, vcard: 'V1' }]);
  });

  test('a reaction is no message: who reacted, to which message, with what (issue #13)', () => {
    const item = parseUpsertItem(inbound(reactionMessage('3EB0C431C26A1916E7A2', '❤️')), 0);
    assert.equal(item.kind, 'reaction');
    if (item.kind !== 'reaction') return;
    assert.deepEqual(
      [item.targetProviderMessageId, item.by, item.emoji],
      ['3EB0C431C26A1916E7A2', 'lead', '❤️'],
    );
    assert.ok(item.at !== null && item.at > 0);
  });

  test('a removed reaction has an empty emoji', () => {
    const removed = parseUpsertItem(inbound(reactionMessage('3EB0C431C26A1916E7A2', '')), 0);
    assert.deepEqual(removed.kind === 'reaction' && removed.emoji, '');
    const noText = parseUpsertItem(inbound({ reactionMessage: { key: { id: 'ABC' } } }), 0);
    assert.deepEqual(noText.kind === 'reaction' && [noText.emoji, noText.at], ['', null]);
  });
});

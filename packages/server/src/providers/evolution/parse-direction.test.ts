/**
 * Direction, sender, status, pushName and time of an Evolution `messages.upsert` item.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { upsertBody } from '../../../testing/evolution-fixtures.js';
import { inbound, parsed, RECEIVED_AT, withKey } from '../../../testing/evolution-parse-fixtures.js';

describe('parseUpsertItem: direction, status, time', () => {
  test('fromMe absent means inbound', () => {
    const m = parsed(withKey({ remoteJid: '573001234567@s.whatsapp.net', id: 'D1' }));
    assert.equal(m.direction, 'inbound');
    assert.equal(m.sender, 'lead');
  });

  test('fromMe ignores pushName (it is the business name)', () => {
    const body = upsertBody({ fromMe: true, pushName: 'Loja Centro' });
    const m = parsed(body.data);
    assert.equal(m.pushName, null);
    assert.equal(m.direction, 'outbound');
    assert.equal(m.sender, 'agent');
  });

  test('empty or missing pushName is null', () => {
    assert.equal(parsed(inbound({ conversation: 'x' }, { pushName: '' })).pushName, null);
    assert.equal(parsed(inbound({ conversation: 'x' }, { pushName: undefined })).pushName, null);
  });

  const statuses: [unknown, string][] = [
    ['ERROR', 'failed'],
    ['PENDING', 'pending'],
    ['SERVER_ACK', 'sent'],
    ['DELIVERY_ACK', 'delivered'],
    ['READ', 'read'],
    ['PLAYED', 'read'],
    [undefined, 'sent'],
    ['SOMETHING_NEW', 'sent'],
    ['toString', 'sent'],
  ];
  for (const [status, expected] of statuses) {
    test(`fromMe status ${String(status)} → ${expected}`, () => {
      const body = upsertBody({ fromMe: true });
      assert.equal(parsed({ ...body.data, status }).status, expected);
    });
  }

  test('inbound messages are delivered whatever the status says', () => {
    for (const status of ['DELIVERY_ACK', 'READ', 'PENDING', undefined]) {
      assert.equal(parsed(inbound({ conversation: 'x' }, { status })).status, 'delivered');
    }
  });

  test('messageTimestamp as number, numeric string and Long', () => {
    assert.equal(
      parsed(inbound({ conversation: 'x' }, { messageTimestamp: 1763771103 })).timestamp,
      1763771103000,
    );
    assert.equal(
      parsed(inbound({ conversation: 'x' }, { messageTimestamp: '1763771103' })).timestamp,
      1763771103000,
    );
    const long = { low: 1763771103, high: 0, unsigned: false };
    assert.equal(parsed(inbound({ conversation: 'x' }, { messageTimestamp: long })).timestamp, 1763771103000);
  });

  test('absent or invalid messageTimestamp falls back to receipt time, never date_time', () => {
    for (const messageTimestamp of [undefined, null, 'soon', -5, 0, {}]) {
      const data = inbound(
        { conversation: 'x' },
        { messageTimestamp, date_time: '2020-01-01T00:00:00.000Z' },
      );
      assert.equal(parsed(data).timestamp, RECEIVED_AT, JSON.stringify(messageTimestamp));
    }
  });
});

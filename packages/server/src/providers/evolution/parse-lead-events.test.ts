/**
 * Reading Evolution's contact and call webhooks (lead-events.ts), pure: the
 * shapes of 2.2/2.3 and v1, LID addresses, and what is no name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCallItem, parseContactItem } from './lead-events.js';

const PIC = 'https://pps.whatsapp.net/v/t61.24694-24/1_n.jpg?oe=6951C2D1';

describe('parseContactItem', () => {
  test('a phone contact: name and picture', () => {
    assert.deepEqual(
      parseContactItem({ remoteJid: '573001112233@s.whatsapp.net', pushName: ' Ana ', profilePicUrl: PIC }),
      {
        kind: 'contact',
        party: { phone: '+573001112233', lid: null, replyTo: '573001112233@s.whatsapp.net' },
        name: 'Ana',
        pictureUrl: PIC,
      },
    );
  });
  test("v1's id and profilePictureUrl; a LID contact", () => {
    const v1 = parseContactItem({
      id: '573001112233@s.whatsapp.net',
      pushName: 'Ana',
      profilePictureUrl: PIC,
    });
    assert.equal(v1.kind === 'contact' && v1.pictureUrl, PIC);
    const lid = parseContactItem({ remoteJid: '13718@lid', pushName: 'Ana', profilePicUrl: null });
    assert.deepEqual(lid.kind === 'contact' && [lid.party.lid, lid.party.phone, lid.pictureUrl], [
      '13718',
      null,
      null,
    ]);
  });
  test('digits, an empty pushName and a non-http picture are no values; groups are no contact', () => {
    const digits = parseContactItem({
      remoteJid: '573001112233@s.whatsapp.net',
      pushName: '573001112233',
      profilePicUrl: 'javascript:x',
    });
    assert.deepEqual(digits.kind === 'contact' && [digits.name, digits.pictureUrl], [null, null]);
    const empty = parseContactItem({ remoteJid: '573001112233@s.whatsapp.net', pushName: '' });
    assert.equal(empty.kind === 'contact' && empty.name, null);
    assert.equal(parseContactItem({ remoteJid: '120363025@g.us', pushName: 'Grupo' }).kind, 'ignored');
    assert.equal(parseContactItem('x').kind, 'ignored');
  });
});

describe('parseCallItem', () => {
  const base = {
    id: 'ABC',
    from: '573001112233@s.whatsapp.net',
    date: '2026-12-06T05:00:00.000Z',
    isVideo: false,
  };
  test('final steps map to missed, rejected, answered; others wait for the end', () => {
    for (const [status, outcome] of [
      ['timeout', 'missed'],
      ['terminate', 'missed'],
      ['reject', 'rejected'],
      ['accept', 'answered'],
    ] as const) {
      const item = parseCallItem({ ...base, status }, 0);
      assert.deepEqual(item.kind === 'call' && [item.providerMessageId, item.call.status, item.at], [
        'call:ABC',
        outcome,
        Date.parse(base.date),
      ]);
    }
    for (const status of ['offer', 'ringing'])
      assert.equal(parseCallItem({ ...base, status }, 0).kind, 'ignored');
  });
  test('a LID caller with callerPn; group calls ignored; no id is invalid', () => {
    const lid = parseCallItem(
      {
        ...base,
        from: '13718@lid',
        callerPn: '573001112233@s.whatsapp.net',
        status: 'timeout',
        isVideo: true,
      },
      0,
    );
    assert.deepEqual(lid.kind === 'call' && [lid.party.phone, lid.party.lid, lid.call.video], [
      '+573001112233',
      '13718',
      true,
    ]);
    assert.equal(parseCallItem({ ...base, status: 'timeout', isGroup: true }, 0).kind, 'ignored');
    assert.equal(parseCallItem({ ...base, id: undefined, status: 'timeout' }, 0).kind, 'invalid');
  });
});

/**
 * Who an Evolution `messages.upsert` item is from: phone JIDs, @lid with and without a phone, and the chats
 * that are ignored (groups, broadcasts, newsletters).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { upsertBody } from '../../../testing/evolution-fixtures.js';
import { parsed, RECEIVED_AT, withKey } from '../../../testing/evolution-parse-fixtures.js';
import { parseUpsertItem } from './parse.js';

describe('parseUpsertItem: addressing', () => {
  const skipped: [string, string][] = [
    ['120363041234567890@g.us', 'group chat'],
    ['5511987654321-1597321234@g.us', 'group chat'],
    ['120363198765432109@newsletter', 'newsletter'],
    ['status@broadcast', 'status broadcast'],
    ['1697040000@broadcast', 'broadcast list'],
  ];
  for (const [remoteJid, reason] of skipped) {
    test(`${remoteJid} is ignored as ${reason}`, () => {
      const data = withKey(
        { remoteJid, fromMe: false, id: '3EB0AAAA', participant: '573001234567@s.whatsapp.net' },
        { message: { conversation: 'hola grupo' } },
      );
      assert.deepEqual(parseUpsertItem(data, RECEIVED_AT), {
        kind: 'ignored',
        reason,
        providerMessageId: '3EB0AAAA',
      });
    });
  }

  test('an unknown server is ignored', () => {
    const item = parseUpsertItem(withKey({ remoteJid: '123@hosted', id: 'I1' }), RECEIVED_AT);
    assert.equal(item.kind, 'ignored');
  });

  test('@c.us and :device phone JIDs reply on @s.whatsapp.net', () => {
    assert.deepEqual(parsed(withKey({ remoteJid: '573001234567@c.us', id: 'C1' })).party, {
      phone: '+573001234567',
      lid: null,
      replyTo: '573001234567@s.whatsapp.net',
    });
    assert.equal(
      parsed(withKey({ remoteJid: '573001234567:9@s.whatsapp.net', id: 'C2' })).party.replyTo,
      '573001234567@s.whatsapp.net',
    );
  });

  test('Brazil 12-digit and 13-digit JIDs give the same phone but reply as received', () => {
    const old = parsed(withKey({ remoteJid: '558197088404@s.whatsapp.net', id: 'B1' })).party;
    const modern = parsed(withKey({ remoteJid: '5581997088404@s.whatsapp.net', id: 'B2' })).party;
    assert.equal(old.phone, '+5581997088404');
    assert.equal(modern.phone, '+5581997088404');
    assert.equal(old.replyTo, '558197088404@s.whatsapp.net');
    assert.equal(modern.replyTo, '5581997088404@s.whatsapp.net');
  });

  test('Mexico 521 JID', () => {
    const party = parsed(withKey({ remoteJid: '5215512345678@s.whatsapp.net', id: 'M1' })).party;
    assert.equal(party.phone, '+525512345678');
    assert.equal(party.replyTo, '5215512345678@s.whatsapp.net');
  });

  test('@lid with remoteJidAlt (2.3.6+, addressingMode lid)', () => {
    const data = withKey({
      remoteJid: '274860794187802@lid',
      remoteJidAlt: '558197088404@s.whatsapp.net',
      fromMe: false,
      id: '3EB05F1D2C3B4A596877',
      addressingMode: 'lid',
    });
    assert.deepEqual(parsed(data).party, {
      phone: '+5581997088404',
      lid: '274860794187802',
      replyTo: '558197088404@s.whatsapp.net',
    });
  });

  test('@lid with key.senderPn (2.3.0)', () => {
    const data = withKey({
      remoteJid: '274860794187802@lid',
      senderPn: '573001234567@s.whatsapp.net',
      id: 'L2',
    });
    assert.deepEqual(parsed(data).party, {
      phone: '+573001234567',
      lid: '274860794187802',
      replyTo: '573001234567@s.whatsapp.net',
    });
  });

  test('@lid with data.senderPn', () => {
    const data = withKey(
      { remoteJid: '274860794187802@lid', id: 'L3' },
      { senderPn: '573001234567@s.whatsapp.net' },
    );
    assert.equal(parsed(data).party.phone, '+573001234567');
  });

  test('remoteJidAlt wins over senderPn; a LID remoteJidAlt is not a phone', () => {
    const first = withKey({
      remoteJid: '274860794187802@lid',
      remoteJidAlt: '573001234567@s.whatsapp.net',
      senderPn: '573009999999@s.whatsapp.net',
      id: 'L4',
    });
    assert.equal(parsed(first).party.phone, '+573001234567');
    const lidAlt = withKey({
      remoteJid: '274860794187802@lid',
      remoteJidAlt: '999@lid',
      senderPn: '573009999999@s.whatsapp.net',
      id: 'L5',
    });
    assert.equal(parsed(lidAlt).party.phone, '+573009999999');
  });

  test('@lid without any phone (issue #2466) replies on the full LID JID', () => {
    const data = withKey({ remoteJid: '13718@lid', fromMe: false, id: '3EB0B8E5B1F3C2D4A6E0' });
    const m = parsed(data);
    assert.deepEqual(m.party, { phone: null, lid: '13718', replyTo: '13718@lid' });
    assert.equal(m.sender, 'lead');
  });

  test('@lid with a device suffix', () => {
    assert.deepEqual(parsed(withKey({ remoteJid: '13718:4@lid', id: 'L6' })).party, {
      phone: null,
      lid: '13718',
      replyTo: '13718@lid',
    });
  });

  test('phone remoteJid with a LID remoteJidAlt (addressingMode pn) records the LID', () => {
    const data = withKey({
      remoteJid: '573001234567@s.whatsapp.net',
      remoteJidAlt: '274860794187802@lid',
      id: 'P1',
      addressingMode: 'pn',
    });
    assert.deepEqual(parsed(data).party, {
      phone: '+573001234567',
      lid: '274860794187802',
      replyTo: '573001234567@s.whatsapp.net',
    });
  });

  test('2.3.1–2.3.4 rewritten key keeps the LID in previousRemoteJid', () => {
    const data = withKey({
      remoteJid: '573001234567@s.whatsapp.net',
      previousRemoteJid: '274860794187802@lid',
      id: 'P2',
    });
    assert.equal(parsed(data).party.lid, '274860794187802');
  });

  test('fixture keyExtra builds a LID upsert', () => {
    const body = upsertBody({
      remoteJid: '13718@lid',
      keyExtra: { remoteJidAlt: '5511987654321@s.whatsapp.net' },
    });
    assert.equal(parsed(body.data).party.phone, '+5511987654321');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isLidJid,
  isPhoneJid,
  jidKind,
  jidUser,
  parseJid,
  stripDevice,
  toLidJid,
  toPhoneJid,
} from './jid.js';

describe('parseJid', () => {
  test('splits user, device and server', () => {
    assert.deepEqual(parseJid('573001234567:12@s.whatsapp.net'), {
      user: '573001234567',
      device: 12,
      server: 's.whatsapp.net',
      kind: 'phone',
    });
    assert.deepEqual(parseJid('558197088404@s.whatsapp.net'), {
      user: '558197088404',
      device: null,
      server: 's.whatsapp.net',
      kind: 'phone',
    });
  });

  test('lowercases the server and trims the input', () => {
    assert.deepEqual(parseJid(' 13718@LID '), { user: '13718', device: null, server: 'lid', kind: 'lid' });
  });

  test('keeps bare digits as a user without a server', () => {
    assert.deepEqual(parseJid('573001234567'), {
      user: '573001234567',
      device: null,
      server: '',
      kind: 'unknown',
    });
  });

  test('returns null when there is no user part', () => {
    assert.equal(parseJid(''), null);
    assert.equal(parseJid('   '), null);
    assert.equal(parseJid('@s.whatsapp.net'), null);
    assert.equal(parseJid(':3@s.whatsapp.net'), null);
  });
});

describe('jidKind', () => {
  const cases: [string, string][] = [
    ['558197088404@s.whatsapp.net', 'phone'],
    ['558197088404:3@s.whatsapp.net', 'phone'],
    ['573001234567@c.us', 'phone'],
    ['274860794187802@lid', 'lid'],
    ['274860794187802:5@lid', 'lid'],
    ['120363041234567890@g.us', 'group'],
    ['5511987654321-1597321234@g.us', 'group'],
    ['120363198765432109@newsletter', 'newsletter'],
    ['status@broadcast', 'status'],
    ['1697040000@broadcast', 'broadcast'],
    ['123@hosted', 'unknown'],
    ['573001234567', 'unknown'],
    ['', 'unknown'],
  ];
  for (const [jid, kind] of cases) {
    test(`${JSON.stringify(jid)} is ${kind}`, () => assert.equal(jidKind(jid), kind));
  }
});

describe('helpers', () => {
  test('jidUser strips the device', () => {
    assert.equal(jidUser('573001234567:12@s.whatsapp.net'), '573001234567');
    assert.equal(jidUser('13718@lid'), '13718');
    assert.equal(jidUser('@lid'), null);
  });

  test('stripDevice keeps the server', () => {
    assert.equal(stripDevice('573001234567:12@s.whatsapp.net'), '573001234567@s.whatsapp.net');
    assert.equal(stripDevice('274860794187802:5@lid'), '274860794187802@lid');
    assert.equal(stripDevice('status@broadcast'), 'status@broadcast');
    assert.equal(stripDevice('573001234567:2'), '573001234567');
  });

  test('isPhoneJid / isLidJid', () => {
    assert.equal(isPhoneJid('573001234567@s.whatsapp.net'), true);
    assert.equal(isPhoneJid('573001234567@c.us'), true);
    assert.equal(isPhoneJid('13718@lid'), false);
    assert.equal(isLidJid('13718@lid'), true);
    assert.equal(isLidJid('13718@s.whatsapp.net'), false);
  });

  test('toPhoneJid / toLidJid', () => {
    assert.equal(toPhoneJid('558197088404'), '558197088404@s.whatsapp.net');
    assert.equal(toLidJid('13718'), '13718@lid');
  });
});

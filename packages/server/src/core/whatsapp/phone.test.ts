import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeWhatsAppNumber, numberOf, sameNumber } from './phone.js';

describe('normalizeWhatsAppNumber', () => {
  test('ordinary numbers become E.164', () => {
    assert.equal(normalizeWhatsAppNumber('573001234567'), '+573001234567');
    assert.equal(normalizeWhatsAppNumber('14155552671'), '+14155552671');
    assert.equal(normalizeWhatsAppNumber('447911123456'), '+447911123456');
    assert.equal(normalizeWhatsAppNumber('5491123456789'), '+5491123456789');
  });

  test('accepts a leading + and surrounding spaces', () => {
    assert.equal(normalizeWhatsAppNumber('+573001234567'), '+573001234567');
    assert.equal(normalizeWhatsAppNumber(' 573001234567 '), '+573001234567');
  });

  test('Brazil: a 12-digit mobile JID gets the 9th digit', () => {
    // The captured upsert (testing/evolution-parse-fixtures.ts) has such a JID: 558197088404.
    assert.equal(normalizeWhatsAppNumber('558197088404'), '+5581997088404');
    assert.equal(normalizeWhatsAppNumber('551187654321'), '+5511987654321');
    assert.equal(normalizeWhatsAppNumber('556196349077'), '+5561996349077');
  });

  test('Brazil: 13-digit mobiles are left as they are', () => {
    assert.equal(normalizeWhatsAppNumber('5581997088404'), '+5581997088404');
    assert.equal(normalizeWhatsAppNumber('5511987654321'), '+5511987654321');
  });

  test('Brazil: landlines (first digit 2–5) get no 9', () => {
    assert.equal(normalizeWhatsAppNumber('551134567890'), '+551134567890');
    assert.equal(normalizeWhatsAppNumber('552125550000'), '+552125550000');
  });

  test('Mexico: 521 + 10 digits becomes +52 + 10 digits', () => {
    assert.equal(normalizeWhatsAppNumber('5215512345678'), '+525512345678');
    assert.equal(normalizeWhatsAppNumber('525512345678'), '+525512345678');
    assert.equal(normalizeWhatsAppNumber('5218112345678'), '+528112345678');
  });

  test('numbers libphonenumber rejects fall back to +digits', () => {
    assert.equal(normalizeWhatsAppNumber('999123456789'), '+999123456789');
    assert.equal(normalizeWhatsAppNumber('274860794187802'), '+274860794187802');
    assert.equal(normalizeWhatsAppNumber('1234567'), '+1234567');
  });

  test('null unless 7–15 digits', () => {
    for (const bad of ['', '13718', '123456', '1234567890123456', '57300abc4567', '+', '57 300 123']) {
      assert.equal(normalizeWhatsAppNumber(bad), null, bad);
    }
  });
});

describe('numberOf', () => {
  test('reads digits, +digits and phone JIDs', () => {
    assert.equal(numberOf('+57 300 123 4567'), '+573001234567');
    assert.equal(numberOf('573001234567:12@s.whatsapp.net'), '+573001234567');
    assert.equal(numberOf('573001234567@c.us'), '+573001234567');
  });

  test('null for LIDs, groups and junk', () => {
    assert.equal(numberOf('274860794187802@lid'), null);
    assert.equal(numberOf('120363041234567890@g.us'), null);
    assert.equal(numberOf('status@broadcast'), null);
    assert.equal(numberOf('hello'), null);
    assert.equal(numberOf(''), null);
  });
});

describe('sameNumber', () => {
  test('accepts every spelling of one number', () => {
    const forms = [
      '+573001234567',
      '573001234567',
      '573001234567@s.whatsapp.net',
      '573001234567:12@s.whatsapp.net',
    ];
    for (const a of forms) {
      for (const b of forms) assert.equal(sameNumber(a, b), true, `${a} vs ${b}`);
    }
  });

  test('Brazil with and without the 9th digit are the same number', () => {
    assert.equal(sameNumber('558196349077@s.whatsapp.net', '+5581996349077'), true);
    assert.equal(sameNumber('558197088404', '5581997088404:7@s.whatsapp.net'), true);
  });

  test('Mexico 521 and 52 are the same number', () => {
    assert.equal(sameNumber('5215512345678@s.whatsapp.net', '+525512345678'), true);
  });

  test('different numbers differ', () => {
    assert.equal(sameNumber('573001234567', '573001234568'), false);
    assert.equal(sameNumber('558197088404', '558197088405'), false);
  });

  test('LIDs and junk never match, not even themselves', () => {
    assert.equal(sameNumber('13718@lid', '13718@lid'), false);
    assert.equal(sameNumber('274860794187802@lid', '274860794187802@s.whatsapp.net'), false);
    assert.equal(sameNumber('', ''), false);
    assert.equal(sameNumber('abc', 'abc'), false);
  });
});

describe('normalizeWhatsAppNumber, asked again', () => {
  test('the same digits give the same answer every time (the memo changes only speed)', () => {
    for (const digits of ['558197088404', '5215512345678', '573001234567', '123', '+14155552671']) {
      const first = normalizeWhatsAppNumber(digits);
      for (let i = 0; i < 3; i++) assert.equal(normalizeWhatsAppNumber(digits), first, digits);
    }
    assert.equal(normalizeWhatsAppNumber('558197088404'), '+5581997088404');
    assert.equal(normalizeWhatsAppNumber('123'), null);
  });
});

/**
 * Reading Cloud API referrals, number changes and account notices, pure
 * (lead-changes.ts, account-notices.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNotice } from './account-notices.js';
import { parseSystemMessage, referralOf } from './lead-changes.js';

describe('referralOf', () => {
  test('every field or null; nothing usable is no referral', () => {
    const r = referralOf({
      source_url: 'https://fb.me/x',
      source_type: 'ad',
      ctwa_clid: 'C1',
      welcome_message: { text: 'hi' },
    });
    assert.deepEqual(r && [r.source_url, r.source_type, r.ctwa_clid, r.headline, r.video_url], [
      'https://fb.me/x',
      'ad',
      'C1',
      null,
      null,
    ]);
    assert.equal(referralOf({}), null);
    assert.equal(referralOf('x'), null);
  });
});

describe('parseSystemMessage', () => {
  const msg = (system: Record<string, unknown>, from = '16505551234') => ({
    from,
    id: 'wamid.1',
    type: 'system',
    system,
  });
  test('user_changed_number (wa_id) and the pre-v12 customer_changed_number (new_wa_id)', () => {
    for (const system of [
      {
        body: 'User A changed from 16505551234 to 12195555358',
        wa_id: '12195555358',
        type: 'user_changed_number',
      },
      { body: 'changed', new_wa_id: '12195555358', type: 'customer_changed_number' },
    ]) {
      const item = parseSystemMessage(msg(system));
      assert.deepEqual(item.kind === 'number_changed' && [item.oldPhone, item.newPhone, item.newWaId], [
        '+16505551234',
        '+12195555358',
        '12195555358',
      ]);
    }
  });
  test('other system types are ignored; a missing number is invalid', () => {
    assert.equal(parseSystemMessage(msg({ type: 'user_changed_user_id', user_id: 'US.1' })).kind, 'ignored');
    assert.equal(
      parseSystemMessage(msg({ type: 'user_changed_number', wa_id: '16505551234' })).kind,
      'ignored',
    );
    assert.equal(parseSystemMessage(msg({ type: 'user_changed_number' })).kind, 'invalid');
    assert.equal(parseSystemMessage({ type: 'system' }).kind, 'invalid');
  });
});

describe('parseNotice', () => {
  test('templates, names and reviews read as one sentence; a rejected review closes', () => {
    assert.deepEqual(
      parseNotice(
        'message_template_quality_update',
        {
          previous_quality_score: 'GREEN',
          new_quality_score: 'YELLOW',
          message_template_name: 'promo',
          message_template_language: 'es',
        },
        'x',
      ),
      { kind: 'notice', reason: 'template "promo" (es) quality GREEN → YELLOW' },
    );
    assert.deepEqual(
      parseNotice(
        'phone_number_name_update',
        {
          decision: 'REJECTED',
          requested_verified_name: 'Celucambio',
          rejection_reason: 'NAME_FORMAT_UNACCEPTABLE',
        },
        'x',
      ),
      { kind: 'notice', reason: 'display name "Celucambio" REJECTED (NAME_FORMAT_UNACCEPTABLE)' },
    );
    assert.equal(
      parseNotice('account_review_update', { decision: 'REJECTED' }, 'number +1555').kind,
      'close',
    );
    assert.deepEqual(parseNotice('account_review_update', { decision: 'APPROVED' }, 'x'), {
      kind: 'notice',
      reason: 'account review APPROVED',
    });
  });
});

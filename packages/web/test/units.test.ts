/**
 * The inbox's rules without a browser: the connection indicator's colours
 * (docs/web.md "Connection indicator"), the language choice and the Cloud API's
 * reply window as the inbox predicts it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionState } from '@newton/client';
import { get } from 'svelte/store';
import { describeHealth, HEARD_SLACK_MS, type HealthInput, RED_AFTER_MS } from '../src/lib/health.js';
import { browserLocale, setLocale, t } from '../src/lib/i18n.js';
import { predictedReplyBlock, REPLY_WINDOW_MS } from '../src/lib/reply-window.js';
import type { Message } from '../src/lib/types.js';

const NOW = 1_800_000_000_000;
const HB = 30_000;

function health(state: ConnectionState, extra: Partial<HealthInput> = {}) {
  const h = describeHealth({
    state,
    now: NOW,
    lastFrameAt: NOW - 1000,
    heartbeatMs: HB,
    downSince: null,
    authReason: null,
    ended: null,
    ...extra,
  });
  return `${h.color} ${h.kind}`;
}

const open: ConnectionState = { status: 'open', connectionId: 'c', userId: 'u' };

test('green only when open and heard from within the last heartbeat', () => {
  assert.equal(health(open), 'green open');
  assert.equal(health(open, { lastFrameAt: NOW - HB - HEARD_SLACK_MS }), 'green open');
  assert.equal(health(open, { lastFrameAt: NOW - HB - HEARD_SLACK_MS - 1 }), 'amber stale');
});

test('amber while (re)connecting, red once the outage lasted RED_AFTER_MS', () => {
  assert.equal(health({ status: 'connecting', attempt: 0 }, { downSince: NOW }), 'amber connecting');
  const rec: ConnectionState = {
    status: 'reconnecting',
    attempt: 2,
    nextAt: NOW + 1500,
    code: 1006,
    reason: '',
  };
  assert.equal(health(rec, { downSince: NOW - RED_AFTER_MS + 1 }), 'amber reconnecting');
  assert.equal(health(rec, { downSince: NOW - RED_AFTER_MS }), 'red down');
  assert.equal(health({ status: 'connecting', attempt: 3 }, { downSince: NOW - 1000 }), 'amber reconnecting');
  assert.equal(health({ status: 'connecting', attempt: 3 }, { downSince: NOW - RED_AFTER_MS }), 'red down');
  const h = describeHealth({
    state: rec,
    now: NOW,
    lastFrameAt: null,
    heartbeatMs: HB,
    downSince: NOW,
    authReason: null,
    ended: null,
  });
  assert.deepEqual(h.vars, { attempt: 2, s: 2 }, 'attempt and seconds to the next try');
});

test('red for offline, expired, refused and forbidden; grey when stopped', () => {
  assert.equal(health({ status: 'offline' }), 'red offline');
  assert.equal(
    health({ status: 'unauthorized', reason: 'get_token_failed' }, { authReason: 'token_expired' }),
    'red expired',
  );
  assert.equal(health({ status: 'unauthorized', reason: 'token_expired' }), 'red expired');
  assert.equal(health({ status: 'unauthorized', reason: 'unauthorized' }), 'red unauthorized');
  assert.equal(health({ status: 'forbidden', reason: 'forbidden' }), 'red forbidden');
  assert.equal(health({ status: 'forbidden', reason: 'unknown_tenant' }), 'red forbidden');
  assert.equal(health(open, { ended: 'expired' }), 'red expired', 'a REST 401 token_expired wins');
  assert.equal(health({ status: 'closed' }), 'grey closed');
});

test('the language follows the browser (Spanish for es-*, else English) and fills placeholders', () => {
  assert.equal(browserLocale(['es-CO', 'en']), 'es');
  assert.equal(browserLocale(['fr-FR', 'es']), 'es');
  assert.equal(browserLocale(['en-GB', 'es']), 'en');
  assert.equal(browserLocale(['de']), 'en');
  assert.equal(browserLocale(undefined), 'en');
  setLocale('es');
  assert.equal(get(t)('conn.reconnecting', { attempt: 2, s: 4 }), 'Reconectando (intento 2, próximo en 4 s)');
  setLocale('en');
  assert.equal(
    get(t)('conn.reconnecting', { attempt: 2, s: 4 }),
    'Reconnecting (attempt 2, next try in 4 s)',
  );
});

test('the reply box predicts a closed Cloud API window from the newest inbound message', () => {
  const msg = (direction: 'inbound' | 'outbound', provider: 'evolution' | 'cloud', ageMs: number): Message =>
    ({ direction, provider, timestamp: new Date(NOW - ageMs).toISOString() }) as Message;
  const hour = 3_600_000;
  const closed = 'reply_window_closed';
  assert.equal(predictedReplyBlock([msg('inbound', 'cloud', 25 * hour)], NOW), closed);
  assert.equal(predictedReplyBlock([msg('inbound', 'cloud', 23 * hour)], NOW), null);
  assert.equal(
    predictedReplyBlock([msg('inbound', 'cloud', REPLY_WINDOW_MS)], NOW),
    null,
    'exactly 24 h: open',
  );
  assert.equal(
    predictedReplyBlock([msg('inbound', 'cloud', 30 * hour), msg('inbound', 'cloud', hour)], NOW),
    null,
    'the newest inbound message counts',
  );
  assert.equal(
    predictedReplyBlock([msg('inbound', 'cloud', 30 * hour), msg('outbound', 'cloud', hour)], NOW),
    closed,
    'replies do not reopen it',
  );
  assert.equal(
    predictedReplyBlock([msg('inbound', 'evolution', 30 * hour)], NOW),
    null,
    'Evolution has no window',
  );
  assert.equal(
    predictedReplyBlock([msg('outbound', 'cloud', hour)], NOW),
    null,
    'no inbound message: the server decides',
  );
  assert.equal(predictedReplyBlock([], NOW), null);
});

test('a place link opens only http(s) URLs; order prices show their currency', async () => {
  const { price, safeUrl } = await import('../src/lib/format.js');
  assert.equal(safeUrl('https://maps.google.com/?cid=1'), 'https://maps.google.com/?cid=1');
  assert.equal(safeUrl('http://example.com'), 'http://example.com/');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'not a url', '', null, undefined])
    assert.equal(safeUrl(bad), null, String(bad));
  assert.match(price(2450000, 'COP', 'es'), /2\.450\.000/);
  assert.match(price(12.5, 'USD', 'en'), /\$12\.50/);
  assert.equal(price(3, 'XX1', 'en'), '3 XX1');
  assert.equal(price(null, 'COP', 'en'), '');
});

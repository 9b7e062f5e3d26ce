/**
 * The WhatsApp numbers' state without a browser (src/lib/instances.ts): events
 * replace the number with the same id, the header's summary, which numbers get
 * a banner, and what the banner says to do for each reason, in both languages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceStatusPayload } from '@newton/protocol';
import { get } from 'svelte/store';
import { setLocale, t } from '../src/lib/i18n.js';
import {
  advice,
  ago,
  applyStatus,
  headlineKey,
  needsBanner,
  numberLabel,
  summarize,
} from '../src/lib/instances.js';

const NOW = Date.parse('2026-11-27T15:30:00Z');

function num(id: string, extra: Partial<InstanceStatusPayload> = {}): InstanceStatusPayload {
  return {
    id,
    provider: 'evolution',
    name: `wa-${id}`,
    number: '+573001112233',
    state: 'open',
    reason: null,
    detail: null,
    since: new Date(NOW - 300_000).toISOString(),
    last_webhook_at: null,
    ...extra,
  };
}

const closed = (id: string, reason: string | null, detail: string | null = null) =>
  num(id, { state: 'close', reason, detail });

/** The banner's advice as the agent reads it. */
function says(n: InstanceStatusPayload): string {
  const a = advice(n);
  return 'key' in a ? get(t)(a.key) : a.text;
}

test('an event replaces the number with the same id, in place; a new id is added at the end', () => {
  const list = [num('a'), num('b')];
  const next = applyStatus(list, closed('a', 'qr_required'));
  assert.deepEqual(
    next.map((n) => `${n.id}:${n.state}`),
    ['a:close', 'b:open'],
  );
  assert.equal(list[0]?.state, 'open', 'the old list is left alone');
  assert.deepEqual(
    applyStatus(next, num('c')).map((n) => n.id),
    ['a', 'b', 'c'],
  );
  const back = [closed('a', 'qr_required'), num('a')].reduce(applyStatus, list);
  assert.deepEqual(
    back.map((n) => n.state),
    ['open', 'open'],
    'events applied in order: the last one wins',
  );
});

test('the header summary: disconnected wins, then reconnecting, then never checked; no numbers: none', () => {
  const unchecked = num('u', { state: 'unknown', reason: 'not_checked' });
  assert.equal(summarize([]), 'none');
  assert.equal(summarize([num('a'), num('b')]), 'open');
  assert.equal(summarize([num('a'), unchecked]), 'unchecked');
  assert.equal(summarize([num('a'), num('c', { state: 'connecting' }), unchecked]), 'connecting');
  assert.equal(summarize([num('c', { state: 'connecting' }), closed('b', 'logged_out')]), 'down');
  assert.equal(
    summarize([num('a'), num('p', { state: 'unknown', reason: 'provider_timeout' })]),
    'down',
    'a check that could not reach the provider is not "fine"',
  );
});

test('a banner for every number not open, except one never checked', () => {
  assert.equal(needsBanner(num('a')), false);
  assert.equal(needsBanner(closed('a', 'qr_required')), true);
  assert.equal(needsBanner(num('a', { state: 'connecting' })), true);
  assert.equal(needsBanner(num('a', { state: 'unknown', reason: 'provider_unreachable' })), true);
  assert.equal(needsBanner(num('a', { state: 'unknown', reason: 'not_checked' })), false);
  assert.equal(needsBanner(num('a', { state: 'unknown', reason: null })), false);
});

test('what to do, by reason code, in English and Spanish; otherwise the server’s detail', () => {
  setLocale('en');
  assert.match(says(closed('a', 'qr_required')), /^Scan the QR code in Evolution’s manager/);
  assert.match(says(closed('a', 'logged_out')), /phone logged out.*scanning a new QR code/);
  assert.match(says(closed('a', 'replaced')), /another device/);
  assert.match(says(closed('a', 'token_invalid')), /access token expired.*renew it in Meta/);
  assert.match(says(closed('a', 'account_restricted')), /Meta restricted/);
  assert.equal(says(closed('a', 'account_disabled')), says(closed('a', 'account_restricted')));
  for (const reason of ['provider_unreachable', 'provider_timeout', 'provider_unauthorized']) {
    assert.match(says(num('a', { state: 'unknown', reason })), /cannot reach the provider.*URL and API key/);
  }
  assert.match(says(num('a', { state: 'connecting' })), /^Reconnecting/);
  assert.match(
    says(num('a', { state: 'connecting', reason: 'qr_required' })),
    /QR code/,
    'a known reason wins over the state',
  );
  assert.equal(
    says(closed('a', 'restart_required', 'Restart the instance in Evolution.')),
    'Restart the instance in Evolution.',
  );
  assert.equal(says(closed('a', null)), 'Check the number at its provider.', 'no reason, no detail');

  setLocale('es');
  assert.match(says(closed('a', 'qr_required')), /^Escanea el código QR en el manager de Evolution/);
  assert.match(says(closed('a', 'token_invalid')), /token de acceso expiró.*renuévalo en Meta/);
  assert.match(says(num('a', { state: 'unknown', reason: 'provider_timeout' })), /no logra contactar/);
  setLocale('en');
});

test('the headline names the number and says since when (absolute and relative)', () => {
  const n = closed('a', 'qr_required');
  assert.equal(numberLabel(n), '+573001112233 (wa-a)');
  assert.equal(numberLabel({ ...n, number: null }), 'wa-a');
  setLocale('en');
  const vars = { number: numberLabel(n), time: 'T', ago: ago(n.since, NOW, 'en') };
  assert.equal(
    get(t)(headlineKey(n), vars),
    'The WhatsApp number +573001112233 (wa-a) has been disconnected since T (5 minutes ago).',
  );
  assert.match(get(t)(headlineKey(num('a', { state: 'connecting' })), vars), /reconnecting since/);
  assert.match(get(t)(headlineKey(num('a', { state: 'unknown' })), vars), /unknown since/);
  setLocale('es');
  assert.equal(
    get(t)(headlineKey(n), { ...vars, ago: ago(n.since, NOW, 'es') }),
    'El número de WhatsApp +573001112233 (wa-a) está desconectado desde el T (hace 5 minutos).',
  );
  setLocale('en');
  const since = new Date(NOW).toISOString();
  assert.equal(ago(since, NOW + 20_000, 'en'), '20 seconds ago');
  assert.equal(ago(since, NOW, 'en'), 'now');
  assert.equal(ago(since, NOW + 3 * 3_600_000 + 1, 'en'), '3 hours ago');
  assert.equal(ago(since, NOW + 2 * 86_400_000, 'es'), 'anteayer');
  assert.equal(ago(since, NOW - 5000, 'en'), 'now', 'a clock behind the server never says "in 5 seconds"');
});

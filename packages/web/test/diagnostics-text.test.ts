/**
 * The Diagnostics page speaks one language at a time (#14): in Spanish none of
 * the server's English hop sentences and none of the English dictionary's
 * diagnostics words appear; in English the server's operator sentences do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiagnosticsReport, Hop, HopStatus } from '@newton/protocol';
import { get } from 'svelte/store';
import { hopText, unroutableReason } from '../src/lib/diagnostics-text.js';
import { en } from '../src/lib/i18n/en.js';
import { es } from '../src/lib/i18n/es.js';
import { type Locale, setLocale, t } from '../src/lib/i18n.js';

function hop(id: string, status: HopStatus, evidence: Record<string, unknown> = {}): Hop {
  return {
    id,
    title: `${id} title`,
    ok: status !== 'fail',
    status,
    detail: `the server says ${id} is ${status} in English`,
    evidence,
    hint: status === 'pass' ? null : `run newton something about ${id} to fix it`,
  };
}

const HOPS: Hop[] = [
  hop('tenant', 'pass', { last_seq: 42 }),
  hop('tenant', 'fail'),
  hop('instances', 'pass'),
  hop('instances', 'warn'),
  hop('instances', 'fail'),
  hop('upstream', 'pass'),
  hop('upstream', 'warn'),
  hop('upstream', 'fail'),
  hop('upstream', 'skip'),
  hop('webhooks', 'pass', { window_hours: 24, per_instance: [{ count: 3 }, { count: 4 }] }),
  hop('webhooks', 'warn', { window_hours: 24, per_instance: [] }),
  hop('webhooks', 'fail', { window_hours: 24 }),
  hop('unroutable', 'pass', { count: 0 }),
  hop('unroutable', 'fail', { count: 2 }),
  hop('bus', 'pass'),
  hop('bus', 'fail'),
  hop('sockets', 'pass', { total: 2, not_on_messages: 0 }),
  hop('sockets', 'warn', { total: 0 }),
  hop('sockets', 'fail', { total: 3, not_on_messages: 1 }),
  hop('something_new', 'warn'),
];

const REPORT = {
  tenant_id: 'acme',
  ok: false,
  checked_at: '2026-12-06T08:00:00.000Z',
  node: 'node-1',
  hops: HOPS,
  instances: [
    {
      provider: 'evolution',
      name: 'wa',
      number: '573014165044',
      apikey_set: true,
      webhook_secret_set: false,
    },
  ],
  upstream: [],
  webhooks: [],
  unroutable: [],
  bus: { kind: 'redis', ok: true, round_trip_ms: 3.4, error: null, nodes: ['node-1', 'node-2'] },
  sockets: [],
} as unknown as DiagnosticsReport;

function render(locale: Locale): string[] {
  setLocale(locale);
  const tr = get(t);
  const lines = HOPS.flatMap((h) => {
    const x = hopText(h, REPORT, locale, tr);
    return [x.detail, ...(x.hint ? [x.hint] : [])];
  });
  for (const outcome of ['unroutable', 'rejected', 'duplicate']) {
    lines.push(
      unroutableReason(
        {
          received_at: '',
          provider: 'evolution',
          instance_name: 'x',
          outcome,
          reason: 'unknown instance "x" (English)',
          trace_id: 't',
          tenant_id: null,
        },
        locale,
        tr,
      ),
    );
  }
  return lines;
}

test('in Spanish, no English sentence of the server or the dictionary appears', () => {
  const lines = render('es');
  const text = lines.join('\n');
  assert.doesNotMatch(text, /the server says|to fix it|English/);
  // Every diagnostics word that differs between the languages: none of the English ones.
  for (const [key, english] of Object.entries(en)) {
    if (!key.startsWith('diag.') || english === es[key as keyof typeof es]) continue;
    const fixed = english.split(/\{\w+\}/).filter((part) => part.trim().length > 3);
    for (const part of fixed) assert.ok(!text.includes(part), `English "${part}" (${key}) in:\n${text}`);
  }
  // The numbers the sentences carry, from the report.
  assert.ok(lines.includes('La cuenta existe; su último evento es el número 42.'), text);
  assert.ok(lines.includes('7 webhook(s) en las últimas 24 h.'), text);
  assert.ok(lines.includes('Ida y vuelta por redis en 3 ms; respondieron 2 nodo(s).'), text);
  assert.ok(lines.includes('1 de 3 socket(s) no reciben mensajes nuevos.'), text);
  assert.ok(text.includes('newton doctor acme'), 'points at the command with every detail');
  assert.ok(lines.includes('sin destino'));
});

test('in English, the server’s operator sentences as they are', () => {
  const lines = render('en');
  for (const h of HOPS) {
    assert.ok(lines.includes(h.detail), h.detail);
    if (h.hint) assert.ok(lines.includes(h.hint), h.hint);
  }
  assert.ok(lines.includes('unknown instance "x" (English)'));
  assert.ok(!lines.some((l) => /[áéíóúñ]/.test(l)), 'no Spanish');
});

test('the diagnostics words of the two dictionaries differ, except words both languages use', () => {
  const SAME = new Set(['diag.sockets', 'diag.col.count']);
  for (const [key, english] of Object.entries(en)) {
    if (!key.startsWith('diag.') || SAME.has(key)) continue;
    assert.notEqual(es[key as keyof typeof es], english, `${key} is not translated`);
  }
});

/**
 * The Diagnostics page speaks one language at a time (#14): opened in Spanish
 * it shows none of the server's English hop sentences nor the English
 * dictionary's diagnostics words; switched to English, the server's operator
 * sentences and no Spanish word of the dictionary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiagnosticsReport } from '@newton/protocol';
import { TestNewton } from '@newton/server/testing/harness';
import { en } from '../src/lib/i18n/en.js';
import { es } from '../src/lib/i18n/es.js';
import { seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken } from './support.js';

const TENANT = 'acme';
/** Numbers and times differ between two reports (round trip ms, counts): compare the words. */
const words = (s: string) => s.replace(/\d+(\.\d+)?/g, '#');

/** The fixed parts (between {vars}) of the diagnostics words of `dict` that the other dictionary says otherwise. */
function ownWords(dict: Record<string, string>, other: Record<string, string>): string[] {
  return Object.entries(dict)
    .filter(([k, v]) => k.startsWith('diag.') && v !== other[k])
    .flatMap(([, v]) => v.split(/\{\w+\}/))
    .map((part) => part.trim())
    .filter((part) => part.length > 3);
}

test('Diagnostics in Spanish, then in English: one language at a time', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  // An instance without credentials: the instances hop warns, so the page shows a hint too.
  await seedTenant(newton, TENANT);
  const admin = await newton.token(TENANT, { role: 'admin' });
  const { page } = await openPage(t, { locale: 'es-CO' });
  await signInWithToken(page, newton.url, admin);
  await page.goto(`${newton.url}/diagnostics`);
  await page.getByTestId('diag-summary').waitFor();
  const report = (await newton.get(`/api/admin/diagnostics?tenant=${TENANT}`, admin))
    .body as unknown as DiagnosticsReport;
  assert.ok(
    report.hops.some((h) => h.hint),
    'the report has a hint to leave out',
  );

  const spanish = words(String(await page.locator('section.diag').textContent()));
  assert.equal(await page.evaluate('document.documentElement.lang'), 'es');
  for (const h of report.hops) {
    assert.ok(!spanish.includes(words(h.detail)), `English detail "${h.detail}" on the Spanish page`);
    if (h.hint)
      assert.ok(!spanish.includes(words(h.hint.split('\n')[0] as string)), `English hint of ${h.id}`);
  }
  for (const word of ownWords(en, es))
    assert.ok(!spanish.includes(word), `English "${word}" in:\n${spanish}`);
  assert.match(spanish, /Tramos/);
  assert.ok(spanish.includes(`newton doctor ${TENANT}`), 'points at the command with every detail');

  // The probe's answer in Spanish too.
  await page.getByTestId('probe-run').click();
  await page.locator('[data-testid=probe-result][data-status=ok]').waitFor();
  assert.match(
    String(await page.getByTestId('probe-result').textContent()),
    /La prueba llegó a esta página en \d+ ms/,
  );

  await page.getByTestId('language').selectOption('en');
  await page.getByText('Hops', { exact: true }).waitFor();
  const english = words(String(await page.locator('section.diag').textContent()));
  for (const h of report.hops) {
    assert.ok(english.includes(words(h.detail)), `the server's detail of ${h.id} in English:\n${english}`);
  }
  for (const word of ownWords(es, en))
    assert.ok(!english.includes(word), `Spanish "${word}" in:\n${english}`);
});

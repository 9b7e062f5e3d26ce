/**
 * The README's screenshots (docs/screenshots/*.png), desktop and 375 px wide.
 * Rendered the same way on every run so that `npm test` leaves the tree clean:
 * the seed history is timed from a fixed instant, the page's clock is frozen
 * at that instant (`page.clock.setFixedTime`) in a fixed time zone, and no live
 * traffic is shown. Written by the SQLite pass only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestNewton } from '@newton/server/testing/harness';
import { seedTenant } from './seed.js';
import {
  ensureWebBuild,
  launch,
  newPage,
  requireChromium,
  screenshotPath,
  signInWithToken,
  waitForIndicator,
  writesScreenshots,
} from './support.js';

const TENANT = 'celucambio_main';
/** The instant the screenshots show: Friday 27 Nov 2026, 15:30 in Bogotá. */
const SHOT_AT = Date.parse('2026-11-27T15:30:00-05:00');
const SHOT = { animations: 'disabled', caret: 'hide' } as const;

test('screenshots: the inbox on a desktop and at 375 px, identical on every run', async (t) => {
  if (!requireChromium(t)) return;
  if (!writesScreenshots()) {
    t.skip('the README screenshots are written by the SQLite pass');
    return;
  }
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await seedTenant(newton, TENANT, undefined, SHOT_AT);
  const browser = await launch();
  t.after(() => browser.close());
  const { page } = await newPage(browser, { locale: 'es-CO', timezoneId: 'America/Bogota' });
  await page.clock.setFixedTime(SHOT_AT);
  await signInWithToken(page, newton.url, await newton.token(TENANT, { role: 'admin', user: 'admin' }));
  await waitForIndicator(page, 'green');
  const items = page.getByTestId('conversation');
  await items.first().waitFor();
  // Each entry: name, phone, last message preview and time, unread badge; newest activity first.
  assert.deepEqual(await page.getByTestId('conversation-name').allTextContents(), [
    'Ana María Gómez',
    'Carlos Ruiz',
    'Valentina Ortiz',
    'Lucía Fernández',
    'Jorge Ramírez',
  ]);
  const top = items.first();
  assert.equal(await top.locator('time').textContent(), '15:10', 'today: the time');
  assert.match(String(await top.textContent()), /\+573001112233/);
  assert.match(String(await top.getByTestId('conversation-preview').textContent()), /^Perfecto\. El A54/);
  assert.equal((await top.getByTestId('unread').textContent())?.trim(), '2');
  assert.equal(await items.nth(3).locator('time').textContent(), 'jue', 'yesterday: the weekday');

  // Desktop: the list and a conversation with replies and ticks (opening it clears its badge).
  const ana = page.locator('[data-testid=conversation]', { hasText: 'Ana María Gómez' });
  await ana.click();
  const thread = page.getByTestId('thread');
  await thread.getByText('parte de pago', { exact: false }).waitFor();
  await ana.getByTestId('unread').waitFor({ state: 'detached' });
  assert.equal(await thread.getByText('Hoy', { exact: true }).count(), 1, 'the fixed clock makes it today');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshotPath('inbox-desktop.png'), ...SHOT });

  // 375 px: the list, then a conversation on its own screen.
  await page.setViewportSize({ width: 375, height: 760 });
  await page.goto(`${newton.url}/`);
  await waitForIndicator(page, 'green');
  await items.first().waitFor();
  await page.screenshot({ path: screenshotPath('inbox-mobile.png'), ...SHOT });
  await page.locator('[data-testid=conversation]', { hasText: 'Carlos Ruiz' }).click();
  await thread.getByText('Redmi Note 12', { exact: false }).waitFor();
  await page
    .locator('[data-testid=conversation]', { hasText: 'Carlos Ruiz' })
    .getByTestId('unread')
    .waitFor({ state: 'detached' });
  assert.equal(await items.first().isVisible(), false, 'one screen at a time at 375 px');
  await page.screenshot({ path: screenshotPath('inbox-mobile-thread.png'), ...SHOT });
});

/**
 * Server-side search in the inbox (#15 §6): typing in the list's search box
 * finds a message that is in no loaded page (the conversation has more than
 * a page of newer messages), shows its snippet with the match marked, and a
 * click opens the conversation scrolled to that message, marked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestNewton } from '@newton/server/testing/harness';
import { INSTANCE, post, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

test('search box → marked snippet → the conversation opened at the message, which is marked', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const tenant = 'search_e2e';
  await seedTenant(newton, tenant);
  const from = '573209998877';
  const name = 'Rafael Núñez';
  // 120 messages; the one searched for is the 11th, far below the newest page (40).
  for (let i = 0; i < 120; i++) {
    const text =
      i === 10 ? 'Lo quiero en color TORNASOLADO, por favor' : `Mensaje número ${i} de la conversación`;
    await post(newton, { from, name, text, minutesAgo: 200 - i });
  }
  assert.ok(INSTANCE);

  const { page } = await openPage(t, { locale: 'es-CO' });
  await signInWithToken(page, newton.url, await newton.token(tenant));
  await waitForIndicator(page, 'green');
  await page.getByTestId('conversation').first().waitFor();

  await page.getByTestId('search').fill('tornasol');
  const hit = page.getByTestId('search-hit').first();
  await hit.waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('search-hit').count(), 1);
  assert.equal(await hit.locator('mark').innerText(), 'TORNASOLADO');
  const messageId = await hit.getAttribute('data-id');
  assert.ok(messageId);

  await hit.click();
  const target = page.locator(`[data-testid="message"][data-id="${messageId}"][data-focused="true"]`);
  await target.waitFor({ timeout: 10_000 });
  await page.getByTestId('thread-title').filter({ hasText: name }).waitFor();
  assert.match(page.url(), /\/c\/[^?]+\?m=/);
  // In view inside the thread's scroller, not at its bottom.
  const inView = await target.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const scroller = el.closest('[data-testid="thread"]')?.getBoundingClientRect();
    return !!scroller && box.top >= scroller.top - 1 && box.bottom <= scroller.bottom + 1;
  });
  assert.ok(inView, 'the message is scrolled into view');
  // Every newer message is loaded too: the thread is contiguous down to the newest one.
  await page
    .getByTestId('message-text')
    .filter({ hasText: 'Mensaje número 119 de la conversación' })
    .waitFor();
});

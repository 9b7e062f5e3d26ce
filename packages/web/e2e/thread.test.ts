/**
 * The thread and the list, beyond the story: older pages load when scrolled to
 * the top (cursor pagination) without losing the reading position; the thread
 * stays at the bottom when the agent is at the bottom and leaves the agent
 * alone when scrolled up; messages are grouped by day; search and the status
 * filter; keyboard use (a conversation opens with Enter, Tab reaches the reply
 * box from the thread).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { messagesEditedBody } from '@newton/server/testing/provider-simulator/evolution';
import type { Page } from 'playwright-core';
import { INSTANCE, post, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'thread_tenant';
const PAULA = '573126660000';
const COUNT = 70;

/** The thread's scroll state. */
function scroll(page: Page): Promise<{ top: number; height: number; client: number }> {
  return page.getByTestId('thread').evaluate((el) => ({
    top: el.scrollTop,
    height: el.scrollHeight,
    client: el.clientHeight,
  }));
}

/** Whether the thread is scrolled to the bottom. */
async function atBottom(page: Page): Promise<boolean> {
  const s = await scroll(page);
  return s.height - s.top - s.client < 5;
}

test('thread: older pages on scroll up, bottom-sticking, day groups; list search and filter; keyboard', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await seedTenant(newton, TENANT);
  // A long conversation over five days: message i is (COUNT - i) * 90 minutes old, so the
  // first page (40 messages, 58.5 hours) spans three calendar days at any time of day
  // (with 60 minutes it spanned 39 hours: three days only before 15:05 UTC).
  for (let i = 1; i <= COUNT; i++) {
    await post(newton, {
      from: PAULA,
      name: 'Paula Castro',
      text: `Mensaje ${i}`,
      minutesAgo: (COUNT - i) * 90 + 5,
    });
  }
  const { page } = await openPage(t, { locale: 'en-US' });
  await signInWithToken(page, newton.url, await newton.token(TENANT));
  await waitForIndicator(page, 'green');

  // Search (name, phone digits, text) and the status filter.
  const items = page.getByTestId('conversation');
  await items.first().waitFor();
  assert.equal(await items.count(), 6);
  const search = page.getByRole('searchbox', { name: 'Search name, phone or text' });
  for (const [q, names] of [
    ['carlos', ['Carlos Ruiz']],
    ['320 999', ['Lucía Fernández']],
    ['galaxy s21', ['Valentina Ortiz']],
  ] as const) {
    await search.fill(q);
    assert.deepEqual(await page.getByTestId('conversation-name').allTextContents(), [...names], q);
  }
  await search.fill('');
  await page.getByTestId('status-filter').selectOption('resolved');
  await page.getByTestId('list-empty').waitFor();
  await page.getByTestId('status-filter').selectOption('open');
  await items.nth(5).waitFor();

  // Keyboard: Enter on a focused conversation opens it; Tab from the thread reaches the reply box.
  await page.locator('[data-testid=conversation]', { hasText: 'Paula Castro' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/c\//);
  const thread = page.getByTestId('thread');
  await thread.getByText(`Mensaje ${COUNT}`, { exact: true }).waitFor();
  await thread.focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement?.id'), 'reply-text');

  // The newest page is shown, scrolled to the bottom, grouped by day.
  const texts = () => thread.getByTestId('message-text').allTextContents();
  const first = await texts();
  assert.ok(first.length < COUNT, `a first page (${first.length} messages)`);
  assert.equal(first.at(-1), `Mensaje ${COUNT}`);
  let s = await scroll(page);
  assert.ok(s.height - s.top - s.client < 5, 'at the bottom');
  assert.ok((await thread.getByRole('separator').count()) >= 3, 'day separators');

  // Scrolling to the top loads older pages and keeps the message in view.
  const anchor = thread.getByText(String(first[0]), { exact: true });
  await thread.evaluate((el) => {
    el.scrollTop = 0;
  });
  await thread.getByText('Mensaje 1', { exact: true }).waitFor({ timeout: 5000 });
  await thread.getByText('Start of the conversation').waitFor();
  const all = await texts();
  assert.deepEqual(
    all.filter((x) => x.startsWith('Mensaje ')),
    Array.from({ length: COUNT }, (_, i) => `Mensaje ${i + 1}`),
    'every message once, in order',
  );
  const box = await anchor.boundingBox();
  assert.ok(box && box.y > 0, 'the message read before the load is still on screen, not jumped away');

  // Scrolled up: a new message does not move the view.
  s = await scroll(page);
  const before = s.top;
  await newton.evolution(
    upsertBody({ instance: INSTANCE, sender: null, from: PAULA, pushName: 'Paula Castro', text: 'Nuevo 1' }),
  );
  await thread.getByText('Nuevo 1').waitFor();
  assert.equal((await scroll(page)).top, before, 'the view stayed where the agent was reading');

  // At the bottom: new messages keep it at the bottom.
  await thread.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await eventually(() => atBottom(page), 5000, 'the thread scrolled to the bottom');
  await newton.evolution(
    upsertBody({ instance: INSTANCE, sender: null, from: PAULA, pushName: 'Paula Castro', text: 'Nuevo 2' }),
  );
  await thread.getByText('Nuevo 2').waitFor();
  await eventually(() => atBottom(page), 5000, 'the thread to follow the new message');
  s = await scroll(page);
  assert.ok(s.height - s.top - s.client < 5, 'still at the bottom');

  // An edit made on WhatsApp (Evolution messages.edited → message_updated) replaces the text in place.
  await newton.evolution(
    upsertBody({
      instance: INSTANCE,
      sender: null,
      from: PAULA,
      pushName: 'Paula Castro',
      text: 'Precio 100',
      id: 'EDITME1',
    }),
  );
  await thread.getByText('Precio 100', { exact: true }).waitFor();
  const edited = await newton.evolution(
    messagesEditedBody({
      instance: INSTANCE,
      sender: null,
      keyId: 'EDITME1',
      text: 'Precio 90',
      fromMe: false,
      remoteJid: `${PAULA}@s.whatsapp.net`,
    }),
  );
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  await thread.getByText('Precio 90', { exact: true }).waitFor();
  assert.equal(await thread.getByText('Precio 100', { exact: true }).count(), 0, 'the old text is gone');
});

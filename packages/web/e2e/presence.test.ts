/**
 * Presence, typing and alerts in two chromium pages (#15): agents ana and bob
 * see each other online in the header; bob types a reply → ana reads "bob
 * está escribiendo…" under the thread, gone when bob sends; the customer
 * types on WhatsApp (Evolution presence.update) → "escribiendo…" under the
 * lead's name; the title counts conversations with unread messages; bob's
 * tab hidden → ana sees bob away, and a new customer message notifies bob
 * (the page's Notification recorded by a stub: headless chromium shows none).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { presenceBody } from '@newton/server/testing/evolution-presence-fixtures';
import { TestNewton } from '@newton/server/testing/harness';
import type { Page } from 'playwright-core';
import { INSTANCE, seedTenant } from './seed.js';
import {
  ensureWebBuild,
  launch,
  newPage,
  requireChromium,
  signInWithToken,
  waitForIndicator,
} from './support.js';

const TENANT = 'presence_tenant';
const CUSTOMER = '573001112233';

/** Records notifications instead of showing them; permission granted (a string: run as is in the page). */
const NOTIFICATION_STUB = `
  window.__notes = [];
  class FakeNotification {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, opts = {}) { window.__notes.push({ title, body: opts.body ?? '' }); this.onclick = null; }
    close() {}
  }
  Object.defineProperty(window, 'Notification', { value: FakeNotification, configurable: true });
`;
/** What the stub recorded. */
const notesOf = (page: Page) => page.evaluate('window.__notes') as Promise<{ title: string; body: string }[]>;

const titleCount = async (page: Page): Promise<number> => {
  const m = /^\((\d+)\) /.exec(await page.title());
  return m ? Number(m[1]) : 0;
};

test('two agents: presence dots, agent and customer typing, unread count in the title, alert while hidden', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await seedTenant(newton, TENANT);
  const browser = await launch();
  t.after(() => browser.close());
  const { page: ana } = await newPage(browser, { locale: 'es-CO' });
  const { context: bobContext, page: bob } = await newPage(browser, { locale: 'es-CO' });
  await bobContext.addInitScript({ content: NOTIFICATION_STUB });
  await signInWithToken(ana, newton.url, await newton.token(TENANT, { user: 'ana' }));
  await signInWithToken(bob, newton.url, await newton.token(TENANT, { user: 'bob' }));
  await waitForIndicator(ana, 'green');
  await waitForIndicator(bob, 'green');

  // Each sees the other online in the header.
  await ana
    .locator('[data-testid=agent-presence][data-user=bob][data-state=online]')
    .waitFor({ timeout: 5000 });
  await bob
    .locator('[data-testid=agent-presence][data-user=ana][data-state=online]')
    .waitFor({ timeout: 5000 });

  // Both open the same conversation; bob types, ana sees it.
  for (const p of [ana, bob]) {
    await p.locator('[data-testid=conversation]', { hasText: 'Ana María Gómez' }).click();
    await p.getByTestId('thread').getByText('Samsung A54', { exact: false }).waitFor();
  }
  const typingNote = ana.getByTestId('agent-typing');
  assert.equal((await typingNote.textContent())?.trim(), '');
  await bob.getByTestId('reply').pressSequentially('Hola, ya te');
  await typingNote.getByText('bob está escribiendo…').waitFor({ timeout: 5000 });
  assert.equal((await bob.getByTestId('agent-typing').textContent())?.trim(), '', 'not shown to the typist');
  await bob.getByTestId('reply').press('Enter');
  await ana.waitForFunction(
    "document.querySelector('[data-testid=agent-typing]')?.textContent?.trim() === ''",
    undefined,
    {
      timeout: 5000,
    },
  );

  // The customer types on WhatsApp: "escribiendo…" under the lead's name, gone on paused.
  const typing = await newton.evolution(
    presenceBody({ instance: INSTANCE, chat: CUSTOMER, presence: 'composing' }),
  );
  assert.equal(typing.body.outcome, 'accepted', JSON.stringify(typing.body));
  await ana.getByTestId('customer-typing').getByText('escribiendo…').waitFor({ timeout: 5000 });
  await newton.evolution(presenceBody({ instance: INSTANCE, chat: CUSTOMER, presence: 'paused' }));
  await ana.getByTestId('customer-typing').waitFor({ state: 'detached', timeout: 5000 });

  // A message from a new customer: one more conversation with unread messages in the title.
  const before = await titleCount(ana);
  assert.match(await ana.title(), /Bandeja de Newton$/);
  const post = (from: string, text: string, pushName: string) =>
    newton.evolution(upsertBody({ instance: INSTANCE, sender: null, from, text, pushName }));
  assert.equal((await post('573009990001', 'Buenas, ¿tienen el Moto G84?', 'Camilo Rojas')).status, 200);
  const title = (n: number) => JSON.stringify(n > 0 ? `(${n}) Bandeja de Newton` : 'Bandeja de Newton');
  await ana.waitForFunction(`document.title === ${title(before + 1)}`, undefined, { timeout: 5000 });
  // Opening it reads it: the count goes back down.
  await ana.locator('[data-testid=conversation]', { hasText: 'Camilo Rojas' }).click();
  await ana.waitForFunction(`document.title === ${title(before)}`, undefined, { timeout: 5000 });

  // Bob's tab goes to the background: ana sees him away; a new message notifies him.
  await bob.evaluate(`
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  `);
  await ana
    .locator('[data-testid=agent-presence][data-user=bob][data-state=away]')
    .waitFor({ timeout: 5000 });
  assert.equal((await post('573009990002', '¿Hacen envíos a Cali?', 'Luisa Pérez')).status, 200);
  await bob.waitForFunction('window.__notes.length === 1', undefined, { timeout: 5000 });
  assert.deepEqual(await notesOf(bob), [{ title: 'Luisa Pérez', body: '¿Hacen envíos a Cali?' }]);
  // Ana's tab is visible: no alert there (no stub either: it would have thrown on a real Notification).

  // Bob turns alerts off (kept per agent): the next message notifies nobody.
  await bob.getByTestId('notify-toggle').click();
  assert.equal(await bob.getByTestId('notify-toggle').getAttribute('aria-pressed'), 'false');
  assert.equal(await bob.evaluate("localStorage.getItem('newton.notify.presence_tenant.bob')"), 'off');
  assert.equal((await post('573009990003', 'Hola', 'Pedro Díaz')).status, 200);
  await bob.locator('[data-testid=conversation]', { hasText: 'Pedro Díaz' }).waitFor({ timeout: 5000 });
  assert.equal((await notesOf(bob)).length, 1);

  // Bob leaves: ana sees him offline (gone from the header).
  await bob.close();
  await ana
    .locator('[data-testid=agent-presence][data-user=bob]')
    .waitFor({ state: 'detached', timeout: 5000 });
});

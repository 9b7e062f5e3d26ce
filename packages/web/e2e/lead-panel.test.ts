/**
 * The lead panel (#15) in two browsers signed in to one tenant: agent 1
 * opens the panel from the thread header, renames the lead inline and adds
 * an attribute; agent 2, with the same conversation and panel open, sees
 * the new name (thread title, list and panel) and the attribute live, over
 * the socket's `lead_updated`, without a reload. On a phone-sized screen
 * the panel covers the thread.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestNewton } from '@newton/server/testing/harness';
import type { Page } from 'playwright-core';
import { seedTenant } from './seed.js';
import {
  ensureWebBuild,
  launch,
  newPage,
  requireChromium,
  signInWithToken,
  waitForIndicator,
} from './support.js';

async function openJorge(page: Page): Promise<void> {
  await page.locator('[data-testid=conversation]', { hasText: 'Jorge Ramírez' }).click();
  await page.getByTestId('thread-title').filter({ hasText: 'Jorge Ramírez' }).waitFor();
  await page.getByTestId('lead-panel-toggle').click();
  await page.getByTestId('lead-name').filter({ hasText: 'Jorge Ramírez' }).waitFor();
}

test('an agent renames a lead in the panel: the other agent’s page shows the new name live', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const tenant = 'lead_panel';
  await seedTenant(newton, tenant);
  const browser = await launch();
  t.after(() => browser.close());

  const ana = (await newPage(browser, { locale: 'en-US' })).page;
  const bob = (await newPage(browser, { locale: 'es-CO' })).page;
  for (const [page, user] of [
    [ana, 'ana'],
    [bob, 'bob'],
  ] as const) {
    await signInWithToken(page, newton.url, await newton.token(tenant, { user }));
    await waitForIndicator(page, 'green');
    await openJorge(page);
  }
  await ana.getByTestId('lead-phone').filter({ hasText: '+573155550101' }).waitFor();
  assert.ok(
    ((await ana.getByTestId('lead-first-contact').textContent()) ?? '').trim().length > 0,
    'first contact shown',
  );
  await ana.getByTestId('lead-labels-slot').waitFor();
  await ana.getByTestId('lead-notes-slot').waitFor();
  assert.equal(await ana.getByTestId('lead-conversation').count(), 1, 'its one conversation');

  // Ana renames inline: click the name, type, Enter.
  await ana.getByTestId('lead-name').click();
  const input = ana.getByTestId('lead-name-input');
  await input.fill('Jorge (mayorista)');
  await input.press('Enter');
  await ana.getByTestId('lead-name').filter({ hasText: 'Jorge (mayorista)' }).waitFor();
  await ana.getByTestId('lead-profile-name').filter({ hasText: 'Jorge Ramírez' }).waitFor();

  // Bob sees it live: thread title, list item and panel.
  await bob.getByTestId('thread-title').filter({ hasText: 'Jorge (mayorista)' }).waitFor();
  await bob.getByTestId('conversation-name').filter({ hasText: 'Jorge (mayorista)' }).waitFor();
  await bob.getByTestId('lead-name').filter({ hasText: 'Jorge (mayorista)' }).waitFor();
  await bob.getByTestId('lead-profile-name').filter({ hasText: 'Jorge Ramírez' }).waitFor();

  // An attribute Ana adds shows on Bob's panel; Bob removes it and Ana's panel follows.
  await ana.getByTestId('lead-attribute-key').fill('ciudad');
  await ana.getByTestId('lead-attribute-value').fill('Medellín');
  await ana.getByTestId('lead-attribute-value').press('Enter');
  const bobAttr = bob.locator('[data-testid=lead-attribute][data-key=ciudad]');
  await bobAttr.filter({ hasText: 'Medellín' }).waitFor();
  await bobAttr.getByRole('button', { name: 'Quitar ciudad' }).click();
  await ana.locator('[data-testid=lead-attribute][data-key=ciudad]').waitFor({ state: 'detached' });

  // Stored, not only shown: a reload reads the agents' name back.
  await bob.reload();
  await bob.getByTestId('thread-title').filter({ hasText: 'Jorge (mayorista)' }).waitFor();
  assert.equal(await bob.locator('[data-testid=lead-attribute]').count(), 0);
});

test('on a phone-sized screen the lead panel covers the thread and closes back to it', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const tenant = 'lead_panel_mobile';
  await seedTenant(newton, tenant);
  const browser = await launch();
  t.after(() => browser.close());
  const { page } = await newPage(browser, { locale: 'en-US', width: 390, height: 844 });
  await signInWithToken(page, newton.url, await newton.token(tenant));
  await waitForIndicator(page, 'green');
  await openJorge(page);
  const box = await page.getByTestId('lead-panel').boundingBox();
  assert.ok(box, 'the panel is shown');
  assert.deepEqual([Math.round(box.x), Math.round(box.y), Math.round(box.width)], [0, 0, 390], 'full screen');
  await page.getByRole('button', { name: 'Close contact info' }).click();
  await page.getByTestId('lead-panel').waitFor({ state: 'detached' });
  await page.getByTestId('thread-title').filter({ hasText: 'Jorge Ramírez' }).waitFor();
});

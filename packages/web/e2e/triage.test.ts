/**
 * Conversation triage in the inbox (#15), two agents on two pages: Ana
 * resolves a conversation → Bob's screen shows it resolved; the customer
 * writes → both screens show it open again; Ana writes an internal note → it
 * appears on both screens, unlike a message, and the provider receives
 * nothing; a label put on by Ana shows on Bob's screen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestNewton } from '@newton/server/testing/harness';
import { installEvolution } from '@newton/server/testing/provider-simulator/evolution';
import { ProviderSimulator } from '@newton/server/testing/provider-simulator/server';
import type { Page } from 'playwright-core';
import { INSTANCE, post, seedTenant } from './seed.js';
import {
  ensureWebBuild,
  launch,
  newPage,
  requireChromium,
  signInWithToken,
  waitForIndicator,
} from './support.js';

const TENANT = 'triage_tenant';
const APIKEY = 'key-triage-tenant';
const JORGE = 'Jorge Ramírez';

async function statusIs(page: Page, status: string, timeout = 5000): Promise<void> {
  await page.locator(`[data-testid=conversation-status][data-status=${status}]`).waitFor({ timeout });
}

test('resolve → the customer writes → reopened on both screens; a note shows on both and is never sent; labels live', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const sim = await ProviderSimulator.start();
  t.after(() => sim.close());
  installEvolution(sim, { instances: { [INSTANCE]: APIKEY } });
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await seedTenant(newton, TENANT, { baseUrl: sim.url, apikey: APIKEY });
  const admin = await newton.token(TENANT, { user: 'ana', role: 'admin' });
  const label = await newton.request('POST', '/api/labels', admin, { name: 'Caliente', color: '#ff8800' });
  assert.equal(label.status, 201, JSON.stringify(label.body));

  const browser = await launch();
  t.after(() => browser.close());
  const pages: Page[] = [];
  for (const token of [admin, await newton.token(TENANT, { user: 'bob' })]) {
    const { page } = await newPage(browser, { locale: 'en-US' });
    await signInWithToken(page, newton.url, token);
    await waitForIndicator(page, 'green');
    await page.locator('[data-testid=conversation]', { hasText: JORGE }).click();
    await statusIs(page, 'open');
    pages.push(page);
  }
  const [ana, bob] = pages as [Page, Page];

  await ana.getByTestId('resolve').click();
  await statusIs(ana, 'resolved');
  await statusIs(bob, 'resolved');

  await post(newton, { from: '573155550101', name: JORGE, text: 'Una pregunta más', minutesAgo: 0 }, APIKEY);
  await bob.getByTestId('thread').getByText('Una pregunta más').waitFor();
  await statusIs(ana, 'open');
  await statusIs(bob, 'open');

  const sent = sim.requests().length;
  await ana.getByTestId('note-text').fill('Ofrecer 10 % de descuento');
  await ana.getByTestId('add-note').click();
  for (const page of pages) {
    const note = page.locator('[data-testid=note]', { hasText: 'Ofrecer 10 % de descuento' });
    await note.waitFor({ timeout: 5000 });
    assert.equal(
      await page.locator('[data-testid=message]', { hasText: 'Ofrecer 10 % de descuento' }).count(),
      0,
      'a note is not a message bubble',
    );
  }
  assert.equal(sim.requests().length, sent, 'the provider received nothing for the note');

  await ana.getByTestId('add-label').selectOption({ label: 'Caliente' });
  await bob.locator('[data-testid=label-chip]', { hasText: 'Caliente' }).waitFor({ timeout: 5000 });
});

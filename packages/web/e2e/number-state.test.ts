/**
 * The inbox tells both truths (#12): the Newton link dot, and beside it the
 * WhatsApp number's state. A number that goes to `close` puts a banner on
 * every page of its tenant (since when, what to do) without a reload, and the
 * banner clears when the number is back to `open`; another tenant's page
 * shows nothing. English, then Spanish with the banner's screenshot
 * (docs/screenshots/inbox-number-banner.png, SQLite pass).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { InstanceState } from '@newton/protocol';
import {
  connectionUpdateBody,
  qrcodeUpdatedBody,
} from '@newton/server/testing/evolution-connection-fixtures';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { TestNewton } from '@newton/server/testing/harness';
import type { Page } from 'playwright-core';
import { DEMO, INSTANCE, post } from './seed.js';
import {
  ensureWebBuild,
  launch,
  newPage,
  openPage,
  requireChromium,
  screenshotPath,
  signInWithToken,
  waitForIndicator,
  writesScreenshots,
} from './support.js';

interface WaNumber {
  tenantId: string;
  id: string;
  name: string;
}

/**
 * What the provider says of a number at a chosen time (the Spanish screenshot
 * needs a fixed `since`): the call the Evolution session webhooks make
 * (InstanceStateApplier), so every socket of the tenant gets
 * `instance_status`. The English test posts the real webhooks.
 */
async function setNumberState(
  newton: TestNewton,
  n: WaNumber,
  state: InstanceState,
  reason?: string,
  at = Date.now(),
): Promise<void> {
  const change = { tenantId: n.tenantId, instanceId: n.id, state, at, source: 'webhook' as const };
  await newton.node.instanceStates.record({ ...change, ...(reason ? { reason } : {}) }, randomUUID());
}

async function addNumber(
  newton: TestNewton,
  tenantId: string,
  name: string,
  number: string,
): Promise<WaNumber> {
  await newton.addTenant(tenantId, 'Celucambio');
  const instance = await newton.addInstance({ tenantId, name, number });
  return { tenantId, id: instance.id, name };
}

async function signedIn(page: Page, newton: TestNewton, tenant: string): Promise<void> {
  await signInWithToken(page, newton.url, await newton.token(tenant));
  await waitForIndicator(page, 'green');
}

const state = (page: Page) => page.getByTestId('number-state');
/** Waits until the header's WhatsApp state is `kind` (open, down, connecting, unchecked). */
const stateIs = (page: Page, kind: string) =>
  page.locator(`[data-testid=number-state][data-state=${kind}]`).waitFor();
const banner = (page: Page) => page.getByTestId('number-banner');

test('a number disconnects: a banner with the QR instruction on every page of the tenant, gone when it is back (English)', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const shop = await addNumber(newton, 'shop_tenant', 'shop-wa', '573001112233');
  const other = await addNumber(newton, 'other_tenant', 'other-wa', '573009998877');
  // Evolution's own webhooks: the session opens for both numbers.
  for (const n of [shop, other]) {
    assert.equal(
      (await newton.evolution(connectionUpdateBody({ instance: n.name, state: 'open' }))).status,
      200,
    );
  }
  const browser = await launch();
  t.after(() => browser.close());
  const agents: Page[] = [];
  for (let i = 0; i < 2; i++) agents.push((await newPage(browser, { locale: 'en-US' })).page);
  const outsider = (await newPage(browser, { locale: 'en-US' })).page;
  for (const page of agents) await signedIn(page, newton, shop.tenantId);
  await signedIn(outsider, newton, other.tenantId);

  for (const page of [...agents, outsider]) {
    await stateIs(page, 'open');
    assert.equal(await page.getByTestId('number-state-text').textContent(), 'WhatsApp connected');
    assert.equal(await banner(page).count(), 0);
    await page.evaluate('window.__noReload = true');
  }
  const title = String(await state(agents[0]!).getAttribute('title'));
  assert.match(title, /\+573001112233 \(shop-wa\): connected/, 'the tooltip names each number');
  assert.equal(
    await agents[0]!.getByTestId('connection').getAttribute('data-color'),
    'green',
    'the Newton link dot is its own',
  );

  // The phone's session closes and Evolution posts a new QR code to scan.
  assert.equal((await newton.evolution(qrcodeUpdatedBody({ instance: shop.name }))).status, 200);
  for (const page of agents) {
    await banner(page).waitFor();
    const headline = String(await page.getByTestId('number-banner-headline').textContent());
    assert.match(
      headline,
      /^The WhatsApp number \+573001112233 \(shop-wa\) has been disconnected since .+ \((.+ ago|now)\)\.$/,
    );
    assert.match(
      String(await page.getByTestId('number-banner-advice').textContent()),
      /^Scan the QR code in Evolution’s manager/,
    );
    assert.equal(await banner(page).getAttribute('role'), 'alert', 'announced to screen readers');
    await stateIs(page, 'down');
    assert.equal(await page.getByTestId('number-state-text').textContent(), 'WhatsApp disconnected');
    assert.equal(
      await page.getByTestId('connection').getAttribute('data-color'),
      'green',
      'Newton is still reachable: its dot does not turn red for WhatsApp',
    );
  }

  // The other tenant's page: a message to its own number arrives, and still no banner.
  const res = await newton.evolution(
    upsertBody({ instance: other.name, sender: null, from: '573112223344', pushName: 'Marta', text: 'Hola' }),
  );
  assert.equal(res.status, 200);
  await outsider.locator('[data-testid=conversation]', { hasText: 'Marta' }).waitFor();
  assert.equal(await banner(outsider).count(), 0, 'another tenant hears nothing of this number');
  assert.equal(await state(outsider).getAttribute('data-state'), 'open');

  // Scanned: Evolution says the session is open again, the banner goes.
  assert.equal(
    (await newton.evolution(connectionUpdateBody({ instance: shop.name, state: 'open' }))).status,
    200,
  );
  for (const page of agents) {
    await banner(page).waitFor({ state: 'detached' });
    await stateIs(page, 'open');
    assert.equal(await page.evaluate('window.__noReload'), true, 'no reload happened');
  }
});

/** The instant the screenshot shows: Friday 27 Nov 2026, 15:30 in Bogotá (as in screenshots.test.ts). */
const SHOT_AT = Date.parse('2026-11-27T15:30:00-05:00');

test('Spanish: never checked is neutral; logged out → the banner says since when and to scan a new QR; back → gone', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const shop = await addNumber(newton, 'celucambio_main', INSTANCE, '573014165044');
  for (const line of DEMO) await post(newton, line, null, SHOT_AT);
  const { page } = await openPage(t, { locale: 'es-CO', timezoneId: 'America/Bogota' });
  await page.clock.setFixedTime(SHOT_AT);
  await signedIn(page, newton, shop.tenantId);

  // Never checked: a neutral header state, no banner.
  await stateIs(page, 'unchecked');
  assert.equal(await page.getByTestId('number-state-text').textContent(), 'WhatsApp: sin revisar aún');
  assert.equal(await banner(page).count(), 0);

  await setNumberState(newton, shop, 'open', undefined, SHOT_AT - 3_600_000);
  await stateIs(page, 'open');
  assert.equal(await page.getByTestId('number-state-text').textContent(), 'WhatsApp conectado');

  await setNumberState(newton, shop, 'close', 'logged_out', SHOT_AT - 12 * 60_000);
  await banner(page).waitFor();
  assert.equal(
    await page.getByTestId('number-banner-headline').textContent(),
    'El número de WhatsApp +573014165044 (tienda-wa) está desconectado desde el 27 nov 2026, 15:18:00 (hace 12 minutos).',
  );
  assert.match(
    String(await page.getByTestId('number-banner-advice').textContent()),
    /^El teléfono cerró la sesión de WhatsApp: vuelve a conectarlo escaneando un nuevo código QR/,
  );
  assert.equal(await page.getByTestId('number-state-text').textContent(), 'WhatsApp desconectado');
  if (writesScreenshots()) {
    await page.locator('[data-testid=conversation]').first().waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({
      path: screenshotPath('inbox-number-banner.png'),
      animations: 'disabled',
      caret: 'hide',
    });
  }

  await setNumberState(newton, shop, 'open', undefined, SHOT_AT);
  await banner(page).waitFor({ state: 'detached' });
  await stateIs(page, 'open');
});

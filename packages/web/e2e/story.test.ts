/**
 * The story in the browser (issue #7): the inbox is open; `newton simulate`
 * sends a customer message through the real webhook path; it appears in the
 * list (and, once open, in the thread) within a second without a reload; the
 * unread count goes up, and opening the conversation clears it. Signs in with
 * the one-time link `newton start` prints (the README's screenshots: screenshots.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { INSTANCE, seedTenant } from './seed.js';
import { newton as cli, ensureWebBuild, openPage, requireChromium, waitForIndicator } from './support.js';

const TENANT = 'celucambio_main';

test('story: a simulated customer message appears live in the list and the thread; unread goes up, opening clears it', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await seedTenant(newton, TENANT);
  const { page } = await openPage(t, { locale: 'es-CO' });
  const url = newton.url;

  // Sign in with the one-time link; the code leaves the address bar at once.
  const code = newton.node.loginCodes.issue(null);
  await page.goto(`${url}/login#code=${code}`);
  await page.waitForURL(`${url}/`);
  assert.equal(new URL(page.url()).hash, '', 'the code is not left in the URL');
  const stored = await page.evaluate('sessionStorage.getItem("newton.session")');
  assert.match(String(stored), /"role":"admin"/);
  // A code works once.
  const again = await newton.post('/api/login/exchange', { code });
  assert.equal(again.status, 400);
  assert.equal(again.body.error, 'invalid_login_code');

  await waitForIndicator(page, 'green');
  assert.equal(
    (await page.getByTestId('connection').textContent())?.trim(),
    'Conectado',
    'Spanish from navigator.language',
  );
  const items = page.getByTestId('conversation');
  await items.first().waitFor();
  assert.equal(await items.count(), 5);
  assert.equal(await page.getByTestId('conversation-name').first().textContent(), 'Ana María Gómez');
  await page.evaluate('window.__noReload = true');

  // A new customer writes (the CLI, through the real webhook path).
  const sofia = page.locator('[data-testid=conversation]', { hasText: 'Sofía Herrera' });
  assert.equal(await sofia.count(), 0);
  await cli(
    [
      'simulate',
      TENANT,
      '--from',
      '573112223344',
      '--name',
      'Sofía Herrera',
      '--text',
      'Hola, ¿compran iPads?',
    ],
    newton.env(),
  );
  const simulated = Date.now();
  await sofia.waitFor({ timeout: 1000 });
  const listMs = Date.now() - simulated;
  assert.ok(listMs < 1000, `in the list after ${listMs} ms`);
  assert.equal(
    await page.getByTestId('conversation-name').first().textContent(),
    'Sofía Herrera',
    'moved to the top',
  );
  assert.equal((await sofia.getByTestId('unread').textContent())?.trim(), '1');
  assert.equal(await sofia.getByTestId('conversation-preview').textContent(), 'Hola, ¿compran iPads?');

  // A second message: the count goes up, the order stays live.
  await cli(['simulate', TENANT, '--from', '573112223344', '--text', 'Tengo un iPad Air 4'], newton.env());
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
      ).document
        .querySelector('[data-testid=conversation] [data-testid=unread]')
        ?.textContent?.trim() === '2',
    undefined,
    { timeout: 1000 },
  );

  // Opening the conversation clears the badge and shows both messages.
  await sofia.click();
  await page.waitForURL(/\/c\//);
  const thread = page.getByTestId('thread');
  await thread.getByText('Tengo un iPad Air 4').waitFor();
  await thread.getByText('Hola, ¿compran iPads?').waitFor();
  await sofia.getByTestId('unread').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('thread-title').textContent(), 'Sofía Herrera');

  // With the thread open, a new message appears in it within a second, and stays read.
  const posted = Date.now();
  const res = await newton.evolution(
    upsertBody({
      instance: INSTANCE,
      sender: null,
      from: '573112223344',
      pushName: 'Sofía Herrera',
      text: '¿Les sirve con la caja original?',
    }),
  );
  assert.equal(res.status, 200);
  await thread.getByText('¿Les sirve con la caja original?').waitFor({ timeout: 1000 });
  const threadMs = Date.now() - posted;
  assert.ok(threadMs < 1000, `in the thread after ${threadMs} ms`);
  // The page marks it read soon after showing it (POST /api/conversations/{id}/read): once the
  // server knows, the list has cleared its badge too (it clears it before asking).
  const token = await newton.token(TENANT);
  const convUrl = `/api/conversations/${page.url().split('/c/')[1]}`;
  await eventually(
    async () => (await newton.get(convUrl, token)).body.unread_count === 0,
    5000,
    'the server to know it was read',
  );
  assert.equal(await sofia.getByTestId('unread').count(), 0, 'an open conversation stays read');
  assert.equal(await page.evaluate('window.__noReload'), true, 'no reload happened');
  t.diagnostic(`list ${listMs} ms, thread ${threadMs} ms`);

  // The server knows it was read.
  const conv = await newton.get(convUrl, token);
  assert.equal(conv.body.unread_count, 0);

  // This tenant's instance has no provider URL or API key: a reply is refused (422
  // send_not_configured), the row says so, and the box is disabled with the reason.
  const box = page.getByTestId('reply');
  await box.fill('¡Claro que sí!');
  await box.press('Enter');
  await page.getByTestId('reply-blocked').waitFor();
  assert.match(String(await page.getByTestId('reply-blocked').textContent()), /no están configuradas/);
  assert.equal(await box.isDisabled(), true);
  assert.equal(await box.getAttribute('aria-describedby'), 'reply-reason');
  const refused = page.locator('[data-testid=message][data-status=failed]', { hasText: '¡Claro que sí!' });
  await refused.getByTestId('retry').waitFor();

  // Admins (the one-time link signs in as admin) see the doctor's view of the tenant.
  await page.getByRole('link', { name: 'Diagnóstico' }).click();
  await page.getByTestId('diag-summary').waitFor();
  assert.ok((await page.getByTestId('hop').count()) >= 3, 'the hops are listed');
  await page.locator('[data-hop=sockets]').waitFor();
  // Hop titles follow the page's language (the server's are English).
  await page.locator('[data-hop=sockets]').getByText('Sockets conectados').waitFor();
  if (process.env.NEWTON_E2E_SHOTS)
    await page.screenshot({ path: `${process.env.NEWTON_E2E_SHOTS}/diagnostics.png`, fullPage: true });
  await page.getByRole('link', { name: 'Bandeja' }).click();
  await page.getByTestId('conversation').first().waitFor();
});

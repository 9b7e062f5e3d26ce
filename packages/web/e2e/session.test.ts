/**
 * A token that expires while the inbox is open: the server closes the socket
 * (4401 token_expired); the indicator turns red "Session expired", the page
 * offers to sign in again, and no reconnect loop follows (sockets counted in
 * the browser).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'expiry_tenant';

test('an expired token: red "session expired", a way to sign in again, and no reconnect loop', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  // Heartbeat sweeps (which close sockets whose token expired) every 500 ms.
  const newton = await TestNewton.start({ heartbeatIntervalMs: 500 });
  t.after(() => newton.close());
  await seedTenant(newton, TENANT);
  const { page } = await openPage(t, { locale: 'en-US' });
  // The page's timers on a clock the test can run forward (time still flows on its own meanwhile).
  await page.clock.install();
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  // Long enough to reach green on a busy machine first; the expiry itself is real time.
  const token = await newton.token(TENANT, { ttlSeconds: 10 });
  await signInWithToken(page, newton.url, token);
  await waitForIndicator(page, 'green');
  assert.equal(sockets.length, 1);

  await waitForIndicator(page, 'red', 30_000);
  const indicator = page.getByTestId('connection');
  assert.equal(await indicator.getAttribute('data-kind'), 'expired');
  assert.match(String(await indicator.textContent()), /Session expired/);
  await page.getByTestId('session-banner').waitFor();
  const after = sockets.length;
  // A minute of the page's timers, at once: any reconnect the SDK had scheduled runs now.
  await page.clock.runFor(60_000);
  // Then a marker socket: the page's sockets are reported in order, any new one before it.
  const marker = `${newton.url.replace(/^http/, 'ws')}/sync-marker`;
  await page.evaluate((url) => {
    new WebSocket(url).onerror = () => {};
  }, marker);
  await eventually(() => sockets.includes(marker), 5000, 'the marker socket');
  assert.equal(sockets.indexOf(marker), after, 'no new socket after the session expired');
  assert.ok(after <= 2, `at most one attempt after the expiry (${after} sockets in all)`);
  assert.equal(await indicator.getAttribute('data-kind'), 'expired', 'still red, no loop');

  // Signing in again works from the banner.
  await page.getByTestId('session-banner').getByRole('link').click();
  await page.waitForURL(/\/login$/);
  await signInWithToken(page, newton.url, await newton.token(TENANT));
  await waitForIndicator(page, 'green');
});

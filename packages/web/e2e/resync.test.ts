/**
 * `resync_required` in the browser: while the page is cut off (a TCP proxy in
 * front of an in-process Newton), messages arrive and the tenant's history is
 * pruned past the page's last seq. When the page gets through, the server
 * cannot replay the gap and says `resync_required`; the inbox reloads the list
 * and the open thread over REST, so the missed messages (and a new
 * conversation) are on screen without a page reload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TcpProxy } from '@newton/client/testing/tcp-proxy';
import { TestNewton } from '@newton/server/testing/harness';
import { post, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'resync_tenant';

test('resync: history pruned past the page while it was away → the views reload and show what was missed', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  // No lingering stream or replay cache: the event log alone decides what can be replayed.
  const newton = await TestNewton.start({ streamLingerMs: 0, replayCacheEvents: 0 });
  t.after(() => newton.close());
  await seedTenant(newton, TENANT);
  const proxy = await TcpProxy.start(newton.node.port);
  t.after(() => proxy.close());
  const { page } = await openPage(t, { locale: 'en-US' });
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));

  await signInWithToken(page, proxy.url, await newton.token(TENANT));
  await waitForIndicator(page, 'green');
  await page.locator('[data-testid=conversation]', { hasText: 'Carlos Ruiz' }).click();
  const thread = page.getByTestId('thread');
  await thread.getByText('Redmi Note 12', { exact: false }).waitFor();
  await page.evaluate('window.__noReload = true');

  // Cut off; messages arrive; the history is pruned to the last event.
  proxy.refusing = true;
  proxy.dropAll();
  await waitForIndicator(page, 'amber', 5000);
  await post(newton, {
    from: '573017778899',
    name: 'Carlos Ruiz',
    text: 'Ya les mandé las fotos',
    minutesAgo: 0,
  });
  await post(newton, {
    from: '573145556677',
    name: 'Mateo Vargas',
    text: '¿Compran relojes?',
    minutesAgo: 0,
  });
  const head = (await newton.node.store.heads([TENANT])).get(TENANT) ?? 0;
  await newton.node.store.pruneEvents(TENANT, head - 1);

  proxy.refusing = false;
  await waitForIndicator(page, 'green', 30_000);
  await thread.getByText('Ya les mandé las fotos').waitFor({ timeout: 5000 });
  await page.locator('[data-testid=conversation]', { hasText: 'Mateo Vargas' }).waitFor({ timeout: 5000 });
  assert.ok(
    frames.some((f) => f.includes('"type":"resync_required"')),
    'the server asked for a resync (the gap could not be replayed)',
  );
  assert.equal(await page.evaluate('window.__noReload'), true, 'no page reload');
  const texts = await thread.getByTestId('message-text').allTextContents();
  assert.equal(texts.filter((x) => x === 'Ya les mandé las fotos').length, 1, 'once');
});

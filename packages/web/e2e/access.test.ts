/**
 * What an agent relies on beyond the story (issue #7 "Build" 3, 4, 6, 7): the
 * inbox in English when the browser is English; every control labelled;
 * keyboard use (skip link first, Tab through search, filter and the list, a
 * visible focus ring, Enter opens a conversation); Diagnostics probes never
 * reach the inbox's socket, only the Diagnostics page's; a Cloud API conversation whose 24-hour window
 * has closed has its reply box disabled with the reason before any attempt,
 * and enabled again when the customer writes; the thread and the Diagnostics
 * page at 375 px (no sideways scrolling; the page's own socket is counted).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOUD_PHONE_NUMBER_ID, cloudBody, messagesValue } from '@newton/server/testing/cloud-fixtures';
import { addCloudNumber, postCloudWebhook } from '@newton/server/testing/cloud-node';
import { TestNewton } from '@newton/server/testing/harness';
import { post, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'acme';
const APP_SECRET = 'cloud-app-secret';
const CARL = '14155550000';

/** Visible focusable controls without an accessible name (aria-label, labelledby, <label>, text, title). */
const UNNAMED = `(() => {
  const sel = 'a[href],button,input,select,textarea,[tabindex]:not([tabindex="-1"])';
  const nameOf = (e) =>
    e.getAttribute('aria-label') ||
    (e.getAttribute('aria-labelledby') || '').split(' ').map((id) => document.getElementById(id)?.textContent || '').join(' ') ||
    (e.labels ? [...e.labels].map((l) => l.textContent).join(' ') : '') ||
    e.textContent || e.getAttribute('title') || '';
  return [...document.querySelectorAll(sel)]
    .filter((e) => e.getClientRects().length > 0 && !nameOf(e).trim())
    .map((e) => e.outerHTML.slice(0, 120));
})()`;
/** The focused element: its test id (or tag) and whether a focus ring is drawn. */
const FOCUSED = `(() => {
  const e = document.activeElement;
  const cs = e ? getComputedStyle(e) : null;
  return {
    id: e ? e.getAttribute('data-testid') || e.tagName.toLowerCase() : 'none',
    text: e ? (e.textContent || '').trim().slice(0, 40) : '',
    // The app's ring (app.css :focus-visible, --focus) or an outline, drawn because of keyboard focus.
    ring: !!cs && e.matches(':focus-visible') &&
      ((cs.outlineStyle !== 'none' && cs.outlineWidth !== '0px') || cs.boxShadow.includes('rgba(15, 118, 110, 0.35)')),
  };
})()`;
const WIDTH = 'document.documentElement.scrollWidth';

function cloudText(text: string, ageSeconds: number) {
  return cloudBody(
    messagesValue({
      from: CARL,
      name: 'Carl Jensen',
      timestamp: Math.floor(Date.now() / 1000) - ageSeconds,
      content: { type: 'text', text: { body: text } },
    }),
  );
}

test('access: English, labels, keyboard, probes hidden, Cloud reply window, 375 px thread and Diagnostics', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await seedTenant(newton, TENANT);
  await addCloudNumber(newton, {
    tenantId: TENANT,
    phoneNumberId: CLOUD_PHONE_NUMBER_ID,
    accessToken: 'cloud-token',
    appSecret: APP_SECRET,
  });
  // A Cloud customer who last wrote 30 hours ago: WhatsApp's 24-hour window is closed.
  const old = await postCloudWebhook(newton, cloudText('Is the repair ready?', 30 * 3600), APP_SECRET);
  assert.equal(old.status, 200, JSON.stringify(old.body));

  const { page } = await openPage(t, { locale: 'en-US' });
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
  });
  const admin = await newton.token(TENANT, { role: 'admin' });
  await signInWithToken(page, newton.url, admin);
  await waitForIndicator(page, 'green');
  const items = page.getByTestId('conversation');
  await items.first().waitFor();

  // English from navigator.language.
  assert.equal(await page.evaluate('document.documentElement.lang'), 'en');
  assert.equal((await page.getByTestId('connection').textContent())?.trim(), 'Connected');
  await page.getByRole('link', { name: 'Inbox' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.equal(await page.getByTestId('search').getAttribute('placeholder'), 'Search');

  // Every visible control has a name.
  assert.deepEqual(await page.evaluate(UNNAMED), [], 'unlabelled controls on the list');

  // Keyboard: the skip link first; Tab reaches search, then the filter, then the list, with a visible ring.
  await page.goto(`${newton.url}/`);
  await items.first().waitFor();
  const order: { id: string; text: string; ring: boolean }[] = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const f = (await page.evaluate(FOCUSED)) as { id: string; text: string; ring: boolean };
    order.push(f);
    if (f.id === 'conversation') break;
  }
  t.diagnostic(`Tab order: ${order.map((f) => f.id).join(' → ')}`);
  assert.equal(order[0]?.text, 'Skip to conversations');
  const at = (id: string) => order.findIndex((f) => f.id === id);
  assert.ok(at('search') > 0 && at('search') < at('status-filter'), 'search, then the filter');
  assert.ok(at('status-filter') < at('conversation'), 'then the list');
  assert.deepEqual(
    order.filter((f) => !f.ring).map((f) => f.id),
    [],
    'every focused control shows a focus ring',
  );
  const first = String(await page.getByTestId('conversation-name').first().textContent());
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/c\//);
  assert.equal(await page.getByTestId('thread-title').textContent(), first, 'Enter opened the focused one');
  await page.getByTestId('thread').getByTestId('message').first().waitFor();
  assert.deepEqual(await page.evaluate(UNNAMED), [], 'unlabelled controls on the thread');

  // A Diagnostics probe never reaches the inbox's socket (it travels on the opt-in diagnostics channel).
  const before = await items.count();
  const probe = await newton.post(
    `/api/admin/diagnostics/probe?tenant=${TENANT}`,
    {},
    {
      authorization: `Bearer ${admin}`,
    },
  );
  assert.equal(probe.body.ok, true, JSON.stringify(probe.body));
  const probeId = String(probe.body.message_id);
  // A customer writes after the probe: once that shows, the probe would have arrived too.
  await post(newton, { from: '573155550101', name: 'Jorge Ramírez', text: 'After the probe', minutesAgo: 0 });
  await items.filter({ hasText: 'After the probe' }).waitFor();
  assert.ok(!frames.some((f) => f.includes(probeId) || f.includes('probe_event')), 'no probe frame');
  assert.equal(await items.count(), before, 'no conversation added by the probe');
  assert.equal(await page.locator(`[data-id="${probe.body.conversation_id}"]`).count(), 0);
  assert.equal(await page.locator(`[data-id="${probeId}"]`).count(), 0);

  // Cloud: the window closed 6 hours ago → disabled with the reason, before any attempt.
  const carl = page.locator('[data-testid=conversation]', { hasText: 'Carl Jensen' });
  await carl.click();
  await page.getByTestId('thread').getByText('Is the repair ready?').waitFor();
  const box = page.getByTestId('reply');
  await page.getByTestId('reply-blocked').waitFor();
  assert.match(String(await page.getByTestId('reply-blocked').textContent()), /within 24 h/);
  assert.equal(await box.isDisabled(), true);
  assert.equal(await box.getAttribute('aria-describedby'), 'reply-reason');
  assert.equal(posts.filter((p) => p.endsWith('/messages')).length, 0, 'nothing was sent to find out');
  // The customer writes again: the window is open, and so is the box.
  const fresh = await postCloudWebhook(newton, cloudText('Hello? Anyone there?', 0), APP_SECRET);
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  await page.getByTestId('thread').getByText('Hello? Anyone there?').waitFor({ timeout: 2000 });
  await page.getByTestId('reply-blocked').waitFor({ state: 'detached' });
  assert.equal(await box.isDisabled(), false);

  // 375 px: the thread on its own screen, nothing wider than the screen, a back link to the list.
  await page.setViewportSize({ width: 375, height: 760 });
  await page.getByTestId('thread').getByText('Hello? Anyone there?').waitFor();
  assert.equal(await items.first().isVisible(), false, 'only the thread at 375 px');
  assert.equal(await box.isVisible(), true);
  assert.ok(Number(await page.evaluate(WIDTH)) <= 375, 'no sideways scrolling in the thread');
  await page.getByRole('link', { name: 'Back to conversations' }).click();
  await items.first().waitFor();
  assert.ok(Number(await page.evaluate(WIDTH)) <= 375, 'no sideways scrolling in the list');

  // Diagnostics opened directly at 375 px: the page's own socket is counted, nothing overflows.
  await page.goto(`${newton.url}/diagnostics`);
  await page.getByTestId('diag-summary').waitFor();
  assert.equal(await page.locator('[data-hop=sockets]').getAttribute('data-status'), 'pass');
  assert.match(String(await page.locator('[data-hop=sockets]').textContent()), /Passed:/);
  // The server lists the users (token `sub`s) of each node's sockets; the page shows how many: one admin.
  assert.equal(await page.getByTestId('socket').count(), 1, 'one node');
  assert.equal(await page.getByTestId('socket-users').textContent(), '1');
  // The page's own probe: its socket subscribes to the diagnostics channel and hears it.
  await page.getByTestId('probe-run').click();
  await page.locator('[data-testid=probe-result][data-status=ok]').waitFor();
  assert.match(String(await page.getByTestId('probe-result').textContent()), /reached this page in \d+ ms/);
  assert.ok(
    frames.some((f) => f.includes('"type":"probe_event"')),
    'the probe came as a probe_event frame',
  );
  assert.ok(Number(await page.evaluate(WIDTH)) <= 375, 'no sideways scrolling on Diagnostics');
  assert.deepEqual(await page.evaluate(UNNAMED), [], 'unlabelled controls on Diagnostics');
});

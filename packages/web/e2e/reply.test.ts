/**
 * Replying from the inbox, against Evolution on the provider simulator: Enter
 * sends; the row shows pending at once (optimistic, matched by client_id);
 * the ticks advance as the provider reports statuses (sent → delivered →
 * read); a provider failure shows failed with the reason, and Retry sends it
 * again. Media a week after Evolution forgot it still loads, from Newton's
 * media store (#13).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { TestClock } from '@newton/server/testing/media-node';
import {
  EVOLUTION_SEND_TEXT,
  installEvolution,
  messagesUpdateBody,
} from '@newton/server/testing/provider-simulator/evolution';
import { ProviderSimulator } from '@newton/server/testing/provider-simulator/server';
import { FAST_SEND } from '@newton/server/testing/reply-fixture';
import type { Page } from 'playwright-core';
import { INSTANCE, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'reply_tenant';
const APIKEY = 'key-reply-tenant';

/** The status of the thread's row for `text` (waits for the row). */
async function rowStatus(page: Page, text: string, status: string, timeout = 5000): Promise<void> {
  await page.locator(`[data-testid=message][data-status=${status}]`, { hasText: text }).waitFor({ timeout });
}

test('reply: pending at once, ticks advance with provider statuses; a provider failure shows failed with reason and retry', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const sim = await ProviderSimulator.start();
  t.after(() => sim.close());
  const evo = installEvolution(sim, { instances: { [INSTANCE]: APIKEY } });
  const clock = new TestClock();
  const newton = await TestNewton.start({ ...FAST_SEND, sendMaxAttempts: 2 }, { now: clock.now });
  t.after(() => newton.close());
  await seedTenant(newton, TENANT, { baseUrl: sim.url, apikey: APIKEY });
  const { page } = await openPage(t, { locale: 'en-US' });
  await signInWithToken(page, newton.url, await newton.token(TENANT, { user: 'ana' }));
  await waitForIndicator(page, 'green');
  await page.locator('[data-testid=conversation]', { hasText: 'Ana María Gómez' }).click();
  await page.getByTestId('thread').getByText('parte de pago', { exact: false }).waitFor();

  // Enter sends; Shift+Enter makes a new line. The provider holds its answer: the row is pending.
  const hold = sim.hold(EVOLUTION_SEND_TEXT);
  const box = page.getByTestId('reply');
  await box.fill('¿Te sirve pasar hoy a la tienda?');
  await box.press('Shift+Enter');
  await box.pressSequentially('Estamos en la Cra 7.');
  await box.press('Enter');
  const text = '¿Te sirve pasar hoy a la tienda?\nEstamos en la Cra 7.';
  await rowStatus(page, 'Estamos en la Cra 7.', 'pending', 2000);
  assert.equal(await box.inputValue(), '', 'the box is cleared');
  const row = page.locator('[data-testid=message]', { hasText: 'Estamos en la Cra 7.' });
  assert.match(String(await row.getAttribute('data-client-id')), /^[0-9a-f-]{36}$/);
  hold.release();
  await sim.waitForRequests(EVOLUTION_SEND_TEXT, 1, 5000);
  await rowStatus(page, 'Estamos en la Cra 7.', 'sent');
  assert.equal(evo.sent[0]?.text, text, 'the provider got the text with its new line');
  assert.equal(await row.count(), 1, 'one row: the optimistic one became the real one');

  // The provider reports delivery, then reading.
  const keyId = evo.sent[0]!.id;
  for (const [status, expected] of [
    ['DELIVERY_ACK', 'delivered'],
    ['READ', 'read'],
  ] as const) {
    const res = await newton.evolution(
      messagesUpdateBody({ instance: INSTANCE, keyId, status, sender: null }),
      {
        headers: { apikey: APIKEY },
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await rowStatus(page, 'Estamos en la Cra 7.', expected);
  }

  // The provider refuses the next one for good (not on WhatsApp): failed, with the reason and Retry.
  for (const n of ['573001112233', '+573001112233']) evo.notOnWhatsApp.add(n);
  await box.fill('Te llamo en 5 minutos');
  await box.press('Enter');
  await rowStatus(page, 'Te llamo en 5 minutos', 'failed', 10_000);
  const failed = page.locator('[data-testid=message]', { hasText: 'Te llamo en 5 minutos' });
  const reason = String(await failed.getByTestId('failure-reason').textContent());
  assert.ok(reason.length > 0, 'a reason is shown');
  t.diagnostic(`failure reason: ${reason}`);

  // The number works again; Retry sends the same message.
  evo.notOnWhatsApp.clear();
  await failed.getByTestId('retry').click();
  await rowStatus(page, 'Te llamo en 5 minutos', 'sent', 10_000);
  assert.equal(evo.sent.at(-1)?.text, 'Te llamo en 5 minutos');
  assert.equal(await failed.getByTestId('retry').count(), 0);

  // Media (#13): Newton keeps it. When the seeded image was stored Evolution had nothing yet (the
  // keeper's first try failed); once Evolution has it, the keeper's retry stores it, Evolution
  // forgets it, and a week later the inbox still shows it from Newton's media store.
  const token = await newton.token(TENANT);
  const list = await newton.get('/api/conversations', token);
  const valentina = (list.body.items as { id: string; lead: { name: string } }[]).find(
    (c) => c.lead.name === 'Valentina Ortiz',
  );
  const messages = await newton.get(`/api/conversations/${valentina?.id}/messages`, token);
  const image = (messages.body.items as { id: string; type: string; provider_message_id: string }[]).find(
    (m) => m.type === 'image',
  );
  assert.ok(image);
  await newton.node.media.idle();
  evo.media.set(image.provider_message_id, { mimetype: 'image/png', base64: PNG, once: true });
  clock.advance(3600_000);
  await newton.node.media.sweep();
  await eventually(
    async () => (await newton.node.store.mediaState.record(TENANT, image.id))?.state === 'ready',
    5000,
    'the media kept',
  );
  assert.equal(evo.media.has(image.provider_message_id), false, 'Evolution forgot it');
  clock.advance(7 * 24 * 3600_000);
  const mediaCalls = () => sim.requests('evolution.getBase64FromMediaMessage').length;
  const calls = mediaCalls();
  // A placeholder that loads the file only when clicked (GET /api/messages/{id}/media).
  await page.locator('[data-testid=conversation]', { hasText: 'Valentina Ortiz' }).click();
  const load = page.getByTestId('media-load');
  await load.waitFor();
  assert.match(String(await load.textContent()), /Load image/);
  await load.click();
  const img = page.getByRole('img', { name: 'Así está la tapa trasera' });
  await img.waitFor();
  assert.match(String(await img.getAttribute('src')), /^blob:/);
  assert.equal(mediaCalls(), calls, 'served from the media store, not Evolution');
});

/** A 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/**
 * Composing beyond text from the inbox (issue #15 §7-8), in chromium against
 * the provider simulator: a photo and a voice note from the attach button
 * reach Evolution's `sendMedia` / `sendWhatsAppAudio` in Evolution's format
 * and show their ticks; a quote-reply carries Evolution's `quoted`; the emoji
 * picker writes into the box; on a Cloud API conversation whose 24-hour
 * window is closed the template picker sends an approved template through
 * the Cloud simulator (Meta's format) and it ticks; a new conversation starts
 * from the list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOUD_PHONE_NUMBER_ID, cloudBody, messagesValue } from '@newton/server/testing/cloud-fixtures';
import { addCloudNumber, postCloudWebhook } from '@newton/server/testing/cloud-node';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { CLOUD_SEND, installCloud } from '@newton/server/testing/provider-simulator/cloud';
import {
  EVOLUTION_SEND_AUDIO,
  EVOLUTION_SEND_MEDIA,
  EVOLUTION_SEND_TEXT,
  installEvolution,
  messagesUpdateBody,
} from '@newton/server/testing/provider-simulator/evolution';
import { ProviderSimulator } from '@newton/server/testing/provider-simulator/server';
import { FAST_SEND } from '@newton/server/testing/reply-fixture';
import { ogg, png } from '@newton/server/testing/upload-fixtures';
import type { Page } from 'playwright-core';
import { INSTANCE, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'compose_tenant';
const APIKEY = 'key-compose';
const APP_SECRET = 'cloud-app-secret';
const CLOUD_TOKEN = 'EAAG-compose';
const WABA = '102290129340398'; // the entry id cloudBody uses
const ANA = '573001112233';
const CARL = '14155550000';

async function attach(
  page: Page,
  kind: 'image' | 'voice',
  file: { name: string; mimeType: string; buffer: Buffer },
) {
  await page.getByTestId('attach').click();
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByTestId(`attach-${kind}`).click(),
  ]);
  await chooser.setFiles(file);
}

/** Waits for the thread's row of the message with this provider id to show `status`. */
async function row(page: Page, newton: TestNewton, providerId: string, status: string): Promise<void> {
  // The provider's id is recorded once its answer is back (just after the simulator saw the request).
  let id = '';
  await eventually(
    async () => {
      const m = await newton.node.store.db
        .selectFrom('messages')
        .select('id')
        .where('provider_message_id', '=', providerId)
        .executeTakeFirst();
      id = m?.id ?? '';
      return id !== '';
    },
    10_000,
    `the message with provider id ${providerId}`,
  );
  await page
    .locator(`[data-testid=message][data-id="${id}"][data-status=${status}]`)
    .waitFor({ timeout: 10_000 });
}

test('compose: photo and voice note with ticks, quote-reply, emoji, a template when the window is closed, a new conversation', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const sim = await ProviderSimulator.start();
  t.after(() => sim.close());
  const evo = installEvolution(sim, { instances: { [INSTANCE]: APIKEY } });
  const cloud = installCloud(sim, { numbers: { [CLOUD_PHONE_NUMBER_ID]: CLOUD_TOKEN } });
  t.after(() => cloud.close());
  cloud.templates.set(WABA, [
    {
      name: 'recordatorio',
      language: 'es',
      components: [{ type: 'BODY', text: 'Hola {{1}}, su equipo está listo.' }],
    },
  ]);
  cloud.numberWaba.set(CLOUD_PHONE_NUMBER_ID, WABA);
  const newton = await TestNewton.start(FAST_SEND);
  t.after(() => newton.close());
  await seedTenant(newton, TENANT, { baseUrl: sim.url, apikey: APIKEY });
  await addCloudNumber(newton, {
    tenantId: TENANT,
    phoneNumberId: CLOUD_PHONE_NUMBER_ID,
    accessToken: CLOUD_TOKEN,
    appSecret: APP_SECRET,
    baseUrl: cloud.graphUrl,
  });
  const old = await postCloudWebhook(
    newton,
    cloudBody(
      messagesValue({
        from: CARL,
        name: 'Carl Jensen',
        timestamp: Math.floor(Date.now() / 1000) - 30 * 3600,
        content: { type: 'text', text: { body: 'Is the repair ready?' } },
      }),
    ),
    APP_SECRET,
  );
  assert.equal(old.status, 200, JSON.stringify(old.body));

  const { page } = await openPage(t, { locale: 'en-US' });
  await signInWithToken(page, newton.url, await newton.token(TENANT, { user: 'ana' }));
  await waitForIndicator(page, 'green');
  await page.locator('[data-testid=conversation]', { hasText: 'Ana María Gómez' }).click();
  await page.getByTestId('thread').getByText('parte de pago', { exact: false }).waitFor();

  // A photo: Evolution's sendMedia with the bytes as base64; the row ticks sent, then delivered.
  const photo = png();
  await page.getByTestId('reply').fill('Así quedó la vitrina');
  await attach(page, 'image', { name: 'vitrina.png', mimeType: 'image/png', buffer: photo });
  const [mediaReq] = await sim.waitForRequests(EVOLUTION_SEND_MEDIA, 1, 10_000);
  assert.deepEqual(mediaReq?.body, {
    number: ANA,
    mediatype: 'image',
    mimetype: 'image/png',
    media: photo.toString('base64'),
    fileName: 'vitrina.png',
    caption: 'Así quedó la vitrina',
  });
  assert.equal(await page.getByTestId('reply').inputValue(), '', 'the typed text became the caption');
  const photoId = evo.sentMedia[0]?.id ?? '';
  await row(page, newton, photoId, 'sent');
  const delivered = await newton.evolution(
    messagesUpdateBody({ instance: INSTANCE, keyId: photoId, status: 'DELIVERY_ACK', sender: null }),
    { headers: { apikey: APIKEY } },
  );
  assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
  await row(page, newton, photoId, 'delivered');

  // A voice note: sendWhatsAppAudio.
  const voice = ogg();
  await attach(page, 'voice', { name: 'nota.ogg', mimeType: 'audio/ogg', buffer: voice });
  const [audioReq] = await sim.waitForRequests(EVOLUTION_SEND_AUDIO, 1, 10_000);
  assert.deepEqual(audioReq?.body, { number: ANA, audio: voice.toString('base64') });
  await row(page, newton, evo.sentMedia[1]?.id ?? '', 'sent');

  // Quote-reply to the customer's message, with an emoji from the picker.
  const customer = page.locator('[data-testid=message]', { hasText: 'Hola, buenos días' });
  await customer.hover();
  await customer.getByTestId('quote-reply').click();
  await page.getByTestId('quoting').waitFor();
  const box = page.getByTestId('reply');
  await box.fill('Claro, con gusto ');
  await page.getByTestId('emoji-toggle').click();
  await page.getByTestId('emoji-picker').getByRole('button', { name: '👍' }).click();
  assert.equal(await box.inputValue(), 'Claro, con gusto 👍');
  await box.press('Enter');
  const [textReq] = await sim.waitForRequests(EVOLUTION_SEND_TEXT, 1, 10_000);
  const quoted = (textReq?.body as { quoted?: { key?: { fromMe?: boolean }; message?: unknown } } | undefined)
    ?.quoted;
  assert.equal(quoted?.key?.fromMe, false);
  assert.deepEqual(quoted?.message, { conversation: 'Hola, buenos días' });
  const replied = page.locator('[data-testid=message]', { hasText: 'Claro, con gusto 👍' });
  await replied.getByTestId('quote').waitFor();

  // The Cloud conversation whose window closed: the box says why, the template picker sends.
  await page.locator('[data-testid=conversation]', { hasText: 'Carl Jensen' }).click();
  await page.getByTestId('reply-blocked').waitFor();
  await page.getByTestId('template-open').click();
  await page.getByTestId('template-select').selectOption('recordatorio|es');
  await page.getByTestId('template-var').fill('Carl');
  assert.equal(await page.getByTestId('template-preview').textContent(), 'Hola Carl, su equipo está listo.');
  await page.getByTestId('template-send').click();
  const [tplReq] = await sim.waitForRequests(CLOUD_SEND, 1, 10_000);
  assert.deepEqual((tplReq?.body as { template?: unknown } | undefined)?.template, {
    name: 'recordatorio',
    language: { code: 'es' },
    components: [{ type: 'body', parameters: [{ type: 'text', text: 'Carl' }] }],
  });
  await page
    .locator('[data-testid=message][data-status=sent]', { hasText: 'Hola Carl, su equipo está listo.' })
    .waitFor({ timeout: 10_000 });

  // A new conversation from the list (Evolution number: text).
  await page.getByTestId('new-conversation').click();
  const evolutionNumber = (await newton.node.store.admin.listInstances(TENANT)).find(
    (i) => i.provider === 'evolution',
  );
  await page.getByTestId('new-instance').selectOption(evolutionNumber?.id ?? '');
  await page.getByTestId('new-phone').fill('+57 300 765 4321');
  await page.getByTestId('new-text').fill('Hola, le escribe Ana de Celucambio');
  await page.getByTestId('new-start').click();
  await page.waitForURL(/\/c\//, { timeout: 10_000 });
  await sim.waitForRequests(
    (r) => r.route === EVOLUTION_SEND_TEXT && (r.body as { number?: string }).number === '573007654321',
    1,
    10_000,
  );
  await page.locator('[data-testid=message]', { hasText: 'Hola, le escribe Ana de Celucambio' }).waitFor();
});

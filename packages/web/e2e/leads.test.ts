/**
 * Leads stay current in the inbox (#13), live over the socket: a Cloud API
 * customer who changes number keeps one conversation, which shows the new
 * number, WhatsApp's notice and the next message from the new number; a
 * contact's new name and picture (Evolution `contacts.update`) and a missed
 * call show without a reload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloudBody, messagesValue, metaJson, signedHeaders } from '@newton/server/testing/cloud-fixtures';
import { addCloudNumber } from '@newton/server/testing/cloud-node';
import * as changedCase from '@newton/server/testing/corpus/cloud-user-changed-number';
import * as callCase from '@newton/server/testing/corpus/evolution-call';
import * as contactsUpdate from '@newton/server/testing/corpus/evolution-contacts-update';
import { TestNewton } from '@newton/server/testing/harness';
import { INSTANCE, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const PNID = '106540352242922';
const SECRET = 'app-secret-leads-e2e';

test('user_changed_number: one lead, one conversation, the new number shown, later messages in the same thread', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const tenant = 'leads_cloud';
  await newton.addTenant(tenant, 'Celucambio');
  await addCloudNumber(newton, {
    tenantId: tenant,
    phoneNumberId: PNID,
    accessToken: 'EAAG-e2e',
    appSecret: SECRET,
  });
  const post = async (body: unknown) => {
    const raw = metaJson(body);
    const res = await newton.post('/webhooks/whatsapp', raw, signedHeaders(raw, SECRET));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res;
  };
  const oldWaId = '16505551234';
  const newWaId = '12195555358';
  const text = (from: string, body: string) =>
    post(
      cloudBody(
        messagesValue({
          phoneNumberId: PNID,
          from,
          name: 'Sheena Nelson',
          content: { type: 'text', text: { body } },
        }),
      ),
    );
  await text(oldWaId, 'Does it come in another color?');

  const { page } = await openPage(t, { locale: 'en-US' });
  await signInWithToken(page, newton.url, await newton.token(tenant));
  await waitForIndicator(page, 'green');
  const items = page.getByTestId('conversation');
  await items.first().waitFor();
  await items.first().click();
  await page.getByTestId('thread-title').filter({ hasText: 'Sheena Nelson' }).waitFor();

  const changed = await post(changedCase.body({ phoneNumberId: PNID, oldWaId, newWaId }));
  assert.equal(changed.body.outcome, 'accepted', JSON.stringify(changed.body));
  await page
    .getByTestId('system-notice')
    .filter({ hasText: `Changed their number to +${newWaId}` })
    .waitFor();
  await page
    .getByTestId('thread-phone')
    .filter({ hasText: `+${newWaId}` })
    .waitFor();
  await page
    .getByTestId('conversation-phone')
    .filter({ hasText: `+${newWaId}` })
    .waitFor();

  await text(newWaId, 'I have a new number now');
  await page.getByTestId('message-text').filter({ hasText: 'I have a new number now' }).waitFor();
  assert.equal(await items.count(), 1, 'one conversation');
  assert.equal(await page.getByTestId('system-notice').count(), 1, 'the notice once');
  // After a reload (REST only) the same: one conversation, on the new number.
  await page.reload();
  await page
    .getByTestId('thread-phone')
    .filter({ hasText: `+${newWaId}` })
    .waitFor();
  await page.getByTestId('message-text').filter({ hasText: 'I have a new number now' }).waitFor();
  assert.equal(await items.count(), 1);
});

test('a contact’s new name and picture, and a missed call, show live', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const tenant = 'leads_evo';
  await seedTenant(newton, tenant);
  const { page } = await openPage(t, { locale: 'es-CO' });
  await signInWithToken(page, newton.url, await newton.token(tenant));
  await waitForIndicator(page, 'green');
  const jorge = page.locator('[data-testid=conversation]', { hasText: 'Jorge Ramírez' });
  await jorge.click();
  await page.getByTestId('thread-title').filter({ hasText: 'Jorge Ramírez' }).waitFor();

  // A tiny same-origin picture: the test does not reach WhatsApp's CDN.
  const picture = `${newton.url}/favicon.svg`;
  const res = await newton.evolution(
    contactsUpdate.body({
      instance: INSTANCE,
      from: '573155550101',
      pushName: 'Jorge A. Ramírez',
      profilePicUrl: picture,
    }),
  );
  assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  await page.getByTestId('thread-title').filter({ hasText: 'Jorge A. Ramírez' }).waitFor();
  const avatar = page
    .locator('[data-testid=conversation]', { hasText: 'Jorge A. Ramírez' })
    .getByTestId('avatar-picture');
  await avatar.waitFor();
  assert.equal(await avatar.getAttribute('src'), picture);

  const call = await newton.evolution(
    callCase.body({ instance: INSTANCE, id: callCase.callId(), from: '573155550101', status: 'timeout' }),
  );
  assert.equal(call.body.outcome, 'accepted', JSON.stringify(call.body));
  await page.getByTestId('call-entry').filter({ hasText: 'Llamada de voz perdida' }).waitFor();
});

/**
 * A customer who wrote from a new number before WhatsApp's notice of the
 * change (#13 point 7), live in the inbox: two conversations, then the Cloud
 * API `user_changed_number` notice folds them into one, named for the
 * customer, which shows every message. The open conversation was the one
 * merged away: the inbox opens the survivor in its place.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloudBody, messagesValue, metaJson, signedHeaders } from '@newton/server/testing/cloud-fixtures';
import { addCloudNumber } from '@newton/server/testing/cloud-node';
import * as changedCase from '@newton/server/testing/corpus/cloud-user-changed-number';
import { TestNewton } from '@newton/server/testing/harness';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const PNID = '106540352242922';
const SECRET = 'app-secret-merge-e2e';

test('user_changed_number after the customer wrote from the new number: one conversation with every message', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  const tenant = 'merge_cloud';
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
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    return res;
  };
  const oldWaId = '16505551234';
  const newWaId = '12195555358';
  const base = Math.floor(Date.now() / 1000) - 120;
  const text = (from: string, name: string, body: string, second: number) =>
    post(
      cloudBody(
        messagesValue({
          phoneNumberId: PNID,
          from,
          name,
          timestamp: base + second,
          content: { type: 'text', text: { body } },
        }),
      ),
    );
  const first = await text(oldWaId, 'Sheena Nelson', 'Does it come in another color?', 1);
  const second = await text(newWaId, 'Sheena N.', 'Writing from my new phone', 2);
  assert.notEqual(second.body.conversation_id, first.body.conversation_id);

  const { page } = await openPage(t, { locale: 'en-US' });
  await signInWithToken(page, newton.url, await newton.token(tenant));
  await waitForIndicator(page, 'green');
  const items = page.getByTestId('conversation');
  await items.nth(1).waitFor();
  assert.equal(await items.count(), 2, 'two conversations before the notice');
  // Open the new number's conversation: the one the merge removes.
  await page.locator('[data-testid=conversation]', { hasText: 'Sheena N.' }).click();
  await page.getByTestId('thread-title').filter({ hasText: 'Sheena N.' }).waitFor();
  await page.getByTestId('message-text').filter({ hasText: 'Writing from my new phone' }).waitFor();

  await post(changedCase.body({ phoneNumberId: PNID, oldWaId, newWaId }));
  // The survivor opens in its place, named for the customer, with every message.
  await page.waitForURL(`**/c/${String(first.body.conversation_id)}`);
  await page.getByTestId('thread-title').filter({ hasText: 'Sheena Nelson' }).waitFor();
  await page
    .getByTestId('thread-phone')
    .filter({ hasText: `+${newWaId}` })
    .waitFor();
  await page.getByTestId('message-text').filter({ hasText: 'Does it come in another color?' }).waitFor();
  await page.getByTestId('message-text').filter({ hasText: 'Writing from my new phone' }).waitFor();
  await page
    .getByTestId('system-notice')
    .filter({ hasText: `Changed their number to +${newWaId}` })
    .waitFor();
  await page.locator('[data-testid=conversation]', { hasText: 'Sheena N.' }).waitFor({ state: 'detached' });
  assert.equal(await items.count(), 1, 'one conversation');
  assert.match(String(await items.first().textContent()), /Sheena Nelson/);

  // After a reload (REST only) the same: one conversation with every message.
  await page.reload();
  await page.getByTestId('message-text').filter({ hasText: 'Writing from my new phone' }).waitFor();
  await page.getByTestId('message-text').filter({ hasText: 'Does it come in another color?' }).waitFor();
  assert.equal(await items.count(), 1);
});

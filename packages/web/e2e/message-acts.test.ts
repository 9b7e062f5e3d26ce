/**
 * Reactions, quotes and deletions in the inbox (issue #13 §3–5), live over
 * the socket in chromium: a customer's reaction appears under the business's
 * bubble, changes and goes away; a customer's quoted reply shows the quote
 * above its bubble and a click brings the quoted message into view; a
 * message deleted for everyone becomes "This message was deleted".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as messagesDelete from '@newton/server/testing/corpus/evolution-messages-delete';
import * as evoQuoted from '@newton/server/testing/corpus/evolution-quoted-reply';
import * as evoReaction from '@newton/server/testing/corpus/evolution-reaction';
import { randomMessageId, upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import type { Page } from 'playwright-core';
import { INSTANCE, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'acts_tenant';
const CAMILA = '573127770000';

/** Where the row of message `id` sits in the thread's visible area: `in`, `partly` or `out`. */
async function placement(page: Page, id: string): Promise<'in' | 'partly' | 'out'> {
  const row = await page.locator(`[data-testid=message][data-id="${id}"]`).boundingBox();
  const pane = await page.getByTestId('thread').boundingBox();
  if (!row || !pane) return 'out';
  if (row.y >= pane.y && row.y + row.height <= pane.y + pane.height) return 'in';
  return row.y + row.height > pane.y && row.y < pane.y + pane.height ? 'partly' : 'out';
}

test('inbox: reaction add → change → remove, a quoted reply that jumps, a deletion', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await seedTenant(newton, TENANT);
  const send = async (body: unknown) => {
    const res = await newton.evolution(body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const at = Math.floor(Date.now() / 1000) - 3600;
  const message = (o: { id?: string; text: string; fromMe?: boolean; ago: number }) =>
    send(
      upsertBody({
        instance: INSTANCE,
        sender: null,
        from: CAMILA,
        pushName: o.fromMe ? '' : 'Camila Rojas',
        fromMe: o.fromMe ?? false,
        id: o.id ?? randomMessageId(),
        text: o.text,
        timestamp: at - o.ago,
      }),
    );
  await message({ text: '¿Compran Xiaomi Redmi Note 12?', ago: 600 });
  const offerId = randomMessageId();
  const offer = await message({ id: offerId, text: 'Sí, te ofrecemos $450.000', fromMe: true, ago: 590 });
  for (let i = 0; i < 30; i++) await message({ text: `Foto ${i + 1} del equipo`, ago: 500 - i });

  const { page } = await openPage(t, { locale: 'en-US' });
  await signInWithToken(page, newton.url, await newton.token(TENANT));
  await waitForIndicator(page, 'green');
  await page.locator('[data-testid=conversation]', { hasText: 'Camila Rojas' }).click();
  await page.getByTestId('message').last().waitFor();
  const offerRow = page.locator(`[data-testid=message][data-id="${String(offer.message_id)}"]`);
  const reactions = offerRow.getByTestId('reaction');

  // Reaction: add, change, remove — each live, never a bubble of its own.
  const bubbles = await page.getByTestId('message').count();
  const react = (emoji: string, ms: number) =>
    send(
      evoReaction.body({ instance: INSTANCE, from: CAMILA, targetId: offerId, emoji, atMs: Date.now() + ms }),
    );
  await react('👍', 0);
  await reactions.filter({ hasText: '👍' }).waitFor();
  await react('❤️', 1000);
  await reactions.filter({ hasText: '❤️' }).waitFor();
  assert.equal(await reactions.count(), 1);
  assert.equal(await reactions.first().getAttribute('title'), '❤️ from the customer');
  await react('', 2000);
  await offerRow.getByTestId('reactions').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('message').count(), bubbles);

  // A quoted reply: the quote above the bubble; a click brings the quoted message into view.
  const replyId = randomMessageId();
  const reply = await send(
    evoQuoted.body({
      instance: INSTANCE,
      from: CAMILA,
      id: replyId,
      text: 'Listo, ¿dónde los llevo?',
      quotedId: offerId,
      quotedText: 'Sí, te ofrecemos $450.000',
      quotedAuthor: '573014165044',
      pushName: 'Camila Rojas',
    }),
  );
  const replyRow = page.locator(`[data-testid=message][data-id="${String(reply.message_id)}"]`);
  const quote = replyRow.getByTestId('quote');
  await quote.waitFor();
  assert.equal(await quote.getByTestId('quote-text').textContent(), 'Sí, te ofrecemos $450.000');
  assert.equal(await quote.getAttribute('data-quoted-id'), String(offer.message_id));
  const quotedNewtonId = String(offer.message_id);
  assert.equal(await placement(page, quotedNewtonId), 'out', 'the quoted message starts out of view');
  await quote.click();
  await eventually(
    async () => (await placement(page, quotedNewtonId)) === 'in',
    5000,
    'the quoted message in view',
  );

  // A deletion for everyone: the bubble says so and no longer shows the text.
  await send(messagesDelete.body({ instance: INSTANCE, from: CAMILA, id: replyId }));
  await replyRow.getByTestId('message-deleted').waitFor();
  assert.equal(
    await replyRow
      .getByTestId('message-deleted')
      .textContent()
      .then((s) => s?.trim()),
    'This message was deleted',
  );
  assert.equal(await replyRow.getByText('Listo, ¿dónde los llevo?').count(), 0);
  assert.equal(await replyRow.getByTestId('quote').count(), 0);
  // It was the last message: the list's preview no longer shows its text either.
  const preview = page
    .locator('[data-testid=conversation]', { hasText: 'Camila Rojas' })
    .getByTestId('conversation-preview');
  await eventually(
    async () => (await preview.textContent()) === 'This message was deleted',
    5000,
    'the preview',
  );
});

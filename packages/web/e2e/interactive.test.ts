/**
 * The customer's choices in the inbox (issue #13): an Evolution button reply
 * and list reply and their Cloud API twins, posted live as the fixture
 * corpus has them, show in two open inboxes with a marker saying how the
 * customer answered and the title they chose, once each (also after a
 * redelivery). A poll shows its options, an order its lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCloudNumber, postCloudWebhook } from '@newton/server/testing/cloud-node';
import * as cloudButton from '@newton/server/testing/corpus/cloud-button-reply';
import * as cloudList from '@newton/server/testing/corpus/cloud-list-reply';
import * as cloudOrder from '@newton/server/testing/corpus/cloud-order';
import * as evoButtons from '@newton/server/testing/corpus/evolution-buttons-reply';
import * as evoList from '@newton/server/testing/corpus/evolution-list-reply';
import * as evoPoll from '@newton/server/testing/corpus/evolution-poll-creation';
import { TestNewton } from '@newton/server/testing/harness';
import type { Page } from 'playwright-core';
import {
  ensureWebBuild,
  launch,
  newPage,
  requireChromium,
  signInWithToken,
  waitForIndicator,
} from './support.js';

type Obj = Record<string, unknown>;
const TENANT = 'choices_tenant';
const SECRET = 'app-secret-choices';

/** A corpus Cloud body with the customer's profile name set (so each case has its own conversation). */
function named(body: Obj, name: string): Obj {
  const copy = structuredClone(body);
  const entry = (copy.entry as Obj[])[0] as Obj;
  const change = (entry.changes as Obj[])[0] as Obj;
  const contact = ((change.value as Obj).contacts as Obj[])[0] as Obj;
  contact.profile = { name };
  return copy;
}

/** Opens the conversation of `name` and returns its thread. */
async function open(page: Page, name: string) {
  await page.locator('[data-testid=conversation]', { hasText: name }).first().click();
  const thread = page.getByTestId('thread');
  await thread.getByTestId('message').first().waitFor();
  return thread;
}

/** The thread shows `title` once, under the marker `how`. */
async function showsChoice(page: Page, name: string, how: string, title: string): Promise<void> {
  const thread = await open(page, name);
  const bubble = thread.getByTestId('message').filter({ hasText: title });
  await bubble.first().waitFor();
  assert.equal(await bubble.count(), 1, `${name}: "${title}" once`);
  assert.equal((await bubble.getByTestId('interactive-marker').textContent())?.trim(), `↩ ${how}`);
  assert.equal(await bubble.getByTestId('message-text').textContent(), title);
}

test('inbox: button and list replies (Evolution and Cloud) live in every open inbox, once', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const newton = await TestNewton.start();
  t.after(() => newton.close());
  await newton.addTenant(TENANT, 'Celucambio');
  await newton.addInstance({ tenantId: TENANT, name: 'newton-test' });
  await addCloudNumber(newton, {
    tenantId: TENANT,
    phoneNumberId: '106540352242922',
    accessToken: 'EAAG-choices',
    appSecret: SECRET,
  });
  const cloud = (body: Obj) => postCloudWebhook(newton, body, SECRET);

  const browser = await launch();
  t.after(() => browser.close());
  const pages: Page[] = [];
  for (let i = 0; i < 2; i++) {
    const { page } = await newPage(browser, { locale: 'en-US' });
    await signInWithToken(page, newton.url, await newton.token(TENANT));
    await waitForIndicator(page, 'green');
    pages.push(page);
  }

  // Posted while both inboxes are open: they arrive over each one's socket.
  const posts: [Promise<{ status: number }>, string][] = [
    [newton.evolution(evoButtons.body), 'evolution button'],
    [newton.evolution(evoList.body), 'evolution list'],
    [cloud(named(cloudButton.body, 'Sheena Botón')), 'cloud button'],
    [cloud(named(cloudList.body, 'Sheena Lista')), 'cloud list'],
    [newton.evolution(evoPoll.body), 'poll'],
    [cloud(named(cloudOrder.body, 'Sheena Pedido')), 'order'],
  ];
  for (const [p, what] of posts) assert.equal((await p).status, 200, what);
  // A redelivery changes nothing on screen.
  assert.equal((await newton.evolution(evoButtons.body)).status, 200);

  for (const page of pages) {
    await showsChoice(page, 'Laura Pérez', 'Tapped a button', 'Sí, agendar visita');
    await showsChoice(page, 'Carlos Ríos', 'Picked from a list', 'iPhone 13 128 GB');
    const list = page.getByTestId('thread').getByTestId('message').filter({ hasText: 'iPhone 13 128 GB' });
    await list.getByText('Usado, excelente estado').waitFor();
    await showsChoice(page, 'Sheena Botón', 'Tapped a button', 'Sí, confirmo');
    await showsChoice(page, 'Sheena Lista', 'Picked from a list', 'Envío express');
  }

  const [page] = pages as [Page];
  const poll = await open(page, 'Marta Díaz');
  await poll.getByText('¿Qué horario te sirve para la entrega?').waitFor();
  assert.deepEqual(await poll.getByTestId('poll-options').locator('li').allTextContents(), [
    'Mañana',
    'Tarde',
    'Noche',
  ]);
  const order = await open(page, 'Sheena Pedido');
  assert.equal(await order.getByTestId('order-summary').textContent(), 'Order: 3 items');
  await order.getByText('SKU-IP13-128').waitFor();
  await order.getByText('Los quiero para el viernes').waitFor();
});

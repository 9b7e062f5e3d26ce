/**
 * Agents and assignment in the inbox (#15), two agents in two chromium pages
 * (on two nodes in the PostgreSQL pass: PostgreSQL + Redis): Ana (admin)
 * takes a conversation from the thread header's menu → Bob's list shows her
 * chip on it (the median of five rounds is reported); Bob, an agent, is
 * offered only himself; the owner filter "mine" shows what Ana gives him;
 * Ana's reply shows her name on its bubble in Bob's thread, and her new name
 * once she renames herself (`user_updated`, no reload); Bob types → Ana
 * sees "Bob is typing…"; Ana resolves → the customer writes → both screens
 * show the conversation open again (the two-agent, two-node story).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLUSTER_JWT_SECRET, TestCluster } from '@newton/server/testing/cluster';
import { testDialect } from '@newton/server/testing/databases';
import { TestNewton } from '@newton/server/testing/harness';
import { installEvolution } from '@newton/server/testing/provider-simulator/evolution';
import { ProviderSimulator } from '@newton/server/testing/provider-simulator/server';
import { SHARED_REDIS_URL } from '@newton/server/testing/redis';
import { FAST_SEND } from '@newton/server/testing/reply-fixture';
import { INSTANCE, post, seedTenant } from './seed.js';
import {
  ensureWebBuild,
  launch,
  newPage,
  requireChromium,
  signInWithToken,
  waitForIndicator,
} from './support.js';

const APIKEY = 'key-assign-tenant';

test('assignment: Ana takes a conversation, Bob sees it live; agents offered only themselves; names on bubbles', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const sim = await ProviderSimulator.start();
  t.after(() => sim.close());
  installEvolution(sim, { instances: { [INSTANCE]: APIKEY } });
  const pg = testDialect() === 'postgres';
  const tenant = `assign_${Math.random().toString(36).slice(2, 8)}`;
  let nodes: [TestNewton, TestNewton];
  if (pg) {
    const cluster = await TestCluster.start(2, SHARED_REDIS_URL, FAST_SEND);
    t.after(() => cluster.close());
    nodes = [cluster.node(0), cluster.node(1)];
  } else {
    const one = await TestNewton.start({ ...FAST_SEND, jwtSecret: CLUSTER_JWT_SECRET });
    t.after(() => one.close());
    nodes = [one, one];
  }
  const [nodeA, nodeB] = nodes;
  await seedTenant(nodeA, tenant, { baseUrl: sim.url, apikey: APIKEY });
  await nodeA.node.store.users.create(tenant, { id: 'ana', name: 'Ana', role: 'admin', color: '#e57373' });
  await nodeA.node.store.users.create(tenant, { id: 'bob', name: 'Bob', role: 'agent' });
  const anaToken = await nodeA.token(tenant, { user: 'ana' });
  const bobToken = await nodeB.token(tenant, { user: 'bob' });

  const browser = await launch();
  t.after(() => browser.close());
  const { page: ana } = await newPage(browser, { locale: 'en-US' });
  const { page: bob } = await newPage(browser, { locale: 'en-US' });
  await signInWithToken(ana, nodeA.url, anaToken);
  await signInWithToken(bob, nodeB.url, bobToken);
  await waitForIndicator(ana, 'green');
  await waitForIndicator(bob, 'green');

  const carlosOnBob = bob.locator('[data-testid=conversation]', { hasText: 'Carlos Ruiz' });
  await carlosOnBob.waitFor();
  assert.equal(await carlosOnBob.getByTestId('assignee').count(), 0, 'unassigned at first');
  await ana.locator('[data-testid=conversation]', { hasText: 'Carlos Ruiz' }).click();
  const menu = ana.getByTestId('assign-menu');
  await menu.waitFor();

  // Ana takes it and lets it go, five times: Bob's list follows each change.
  const took: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = Date.now();
    await menu.selectOption('ana');
    await carlosOnBob.locator('[data-testid=assignee][data-id=ana]').waitFor({ timeout: 5000 });
    took.push(Date.now() - start);
    await menu.selectOption('');
    await carlosOnBob.getByTestId('assignee').waitFor({ state: 'detached', timeout: 5000 });
  }
  took.sort((a, b) => a - b);
  const median = took[2] ?? 0;
  // Reported, not asserted: the issue asks for the median (a busy machine must not fail the test).
  t.diagnostic(
    `assign → other agent's list (${pg ? 'two nodes' : 'one node'}): median ${median} ms of ${took.join(', ')}`,
  );

  // Bob is an agent: his menu offers no one but himself.
  await carlosOnBob.click();
  const bobMenu = bob.getByTestId('assign-menu');
  await bobMenu.waitFor();
  const options = await bobMenu.locator('option').allTextContents();
  assert.deepEqual(options, ['Unassigned', 'Bob (you)']);

  // Ana gives it to Bob; under "Mine" Bob's list has it.
  await bob.getByTestId('owner-filter').selectOption('mine');
  await bob.getByTestId('list-empty').waitFor({ timeout: 5000 });
  await menu.selectOption('bob');
  await bob.locator('[data-testid=conversation]', { hasText: 'Carlos Ruiz' }).waitFor({ timeout: 5000 });
  await bob.getByTestId('owner-filter').selectOption('all');

  // Ana's reply carries her name on the bubble, in Bob's thread too.
  const convId = String(await ana.url().split('/c/')[1]);
  const reply = await nodeA.post(
    `/api/conversations/${convId}/messages`,
    { text: 'Te ayudo yo, Carlos.' },
    { authorization: `Bearer ${anaToken}` },
  );
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  const bubble = bob.locator('[data-testid=message]', { hasText: 'Te ayudo yo, Carlos.' });
  await bubble.waitFor({ timeout: 5000 });
  assert.equal((await bubble.getByTestId('sender-name').textContent())?.trim(), 'Ana');

  // Ana renames herself (admin API, node A): Bob's open thread shows the new name without a reload (user_updated).
  const renamed = await nodeA.request('PATCH', '/api/admin/users/ana', anaToken, { name: 'Ana Gómez' });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  await bubble.getByTestId('sender-name').getByText('Ana Gómez').waitFor({ timeout: 5000 });

  // Bob (on the other node) types in the conversation → Ana sees it under the thread, by his name.
  await bob.getByTestId('reply').pressSequentially('Ya le');
  await ana.getByTestId('agent-typing').getByText('Bob is typing…').waitFor({ timeout: 5000 });
  await bob.getByTestId('reply').fill('');

  // Ana resolves it → both screens say resolved; the customer writes → both show it open again.
  const statusIs = (page: typeof ana, status: string) =>
    page.locator(`[data-testid=conversation-status][data-status=${status}]`).waitFor({ timeout: 5000 });
  await ana.getByTestId('resolve').click();
  await statusIs(ana, 'resolved');
  await statusIs(bob, 'resolved');
  await post(
    nodeB,
    { from: '573017778899', name: 'Carlos Ruiz', text: '¿Sigue disponible?', minutesAgo: 0 },
    APIKEY,
  );
  await bob.getByTestId('thread').getByText('¿Sigue disponible?').waitFor({ timeout: 5000 });
  await statusIs(ana, 'open');
  await statusIs(bob, 'open');
});

/**
 * The connection indicator tells the truth through an outage, with `newton
 * start` as a real process: green while connected; the server stops → amber
 * (reconnecting, attempt and next try) → red after RED_AFTER_MS; the server
 * restarts and takes messages while the page still cannot reach it (a TCP
 * proxy in front holds the page off); the page gets through → green, and the
 * missed messages are in the open thread without a reload.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TcpProxy } from '@newton/client/testing/tcp-proxy';
import { createTestDatabase } from '@newton/server/testing/databases';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { TestNewton } from '@newton/server/testing/harness';
import { NewtonProcess } from '@newton/server/testing/reconnecting-client';
import { freePort } from '@newton/server/testing/redis';
import { INSTANCE, seedTenant } from './seed.js';
import { ensureWebBuild, openPage, requireChromium, signInWithToken, waitForIndicator } from './support.js';

const TENANT = 'outage_tenant';

test('outage: amber then red while the server is down; after the restart green again and the missed messages are in the thread', async (t) => {
  if (!requireChromium(t)) return;
  ensureWebBuild();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-web-outage-'));
  const database = await createTestDatabase();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(24).toString('hex'),
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  const processes: NewtonProcess[] = [];
  t.after(async () => {
    for (const p of processes) await p.kill('SIGKILL');
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Seed the shared storage in-process, then let it go.
  const seed = await TestNewton.start({ jwtSecret: env.JWT_SECRET }, { dataDir, database });
  await seedTenant(seed, TENANT);
  const token = await seed.token(TENANT, { user: 'ana', role: 'agent' });
  await seed.close();

  processes.push(await NewtonProcess.start(env, 'newton-1'));
  const serverUrl = `http://127.0.0.1:${port}`;
  const proxy = await TcpProxy.start(port);
  t.after(() => proxy.close());
  const { page } = await openPage(t, { locale: 'en-US' });

  await signInWithToken(page, proxy.url, token);
  await waitForIndicator(page, 'green');
  assert.equal(
    await page.getByRole('link', { name: 'Diagnostics' }).count(),
    0,
    'agents have no diagnostics link',
  );
  await page.locator('[data-testid=conversation]', { hasText: 'Carlos Ruiz' }).click();
  const thread = page.getByTestId('thread');
  await thread.getByText('Redmi Note 12', { exact: false }).waitFor();
  await page.evaluate('window.__noReload = true');
  const indicator = page.getByTestId('connection');
  assert.equal(await indicator.getAttribute('data-kind'), 'open');

  // The server stops (and stays unreachable for the page): amber, then red.
  proxy.refusing = true;
  proxy.dropAll();
  await processes[0]!.kill('SIGTERM');
  await waitForIndicator(page, 'amber', 5000);
  const amberText = await indicator.textContent();
  assert.match(String(amberText), /Reconnecting \(attempt \d+/);
  await waitForIndicator(page, 'red', 20_000);
  assert.equal(await indicator.getAttribute('data-kind'), 'down');
  const title = String(await indicator.getAttribute('title'));
  assert.match(title, /Last seq: \d+/, 'the tooltip has the last seq');
  assert.match(title, /Last event: /, 'and the last event time');
  await indicator.click();
  await page.getByTestId('reconnect-now').waitFor();
  assert.match(String(await page.locator('#conn-details').textContent()), /Last seq: \d+/);
  await indicator.click();

  // The server is back and takes customer messages while the page is still cut off.
  processes.push(await NewtonProcess.start(env, 'newton-2'));
  for (const text of ['¿Siguen ahí?', 'Les mando fotos del Redmi']) {
    const res = await fetch(`${serverUrl}/webhooks/evolution`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        upsertBody({ instance: INSTANCE, sender: null, from: '573017778899', pushName: 'Carlos Ruiz', text }),
      ),
    });
    assert.equal(res.status, 200);
  }
  assert.equal(
    await indicator.getAttribute('data-color'),
    'red',
    'the page was disconnected while they arrived',
  );
  assert.equal(await thread.getByText('¿Siguen ahí?').count(), 0);

  // The page gets through: green, and the missed messages are in the thread, without a reload.
  proxy.refusing = false;
  await waitForIndicator(page, 'green', 60_000);
  await thread.getByText('¿Siguen ahí?').waitFor({ timeout: 5000 });
  await thread.getByText('Les mando fotos del Redmi').waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate('window.__noReload'), true, 'no reload happened');
  const texts = await thread.getByTestId('message-text').allTextContents();
  assert.deepEqual(texts.slice(-2), ['¿Siguen ahí?', 'Les mando fotos del Redmi'], 'once each, in order');
});

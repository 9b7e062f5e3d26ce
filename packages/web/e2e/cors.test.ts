/**
 * A CRM page on another origin calls Newton's REST API from the browser
 * (CORS_ORIGINS, #14): from a listed origin it lists conversations and sends a
 * reply with a bearer token (preflights answered), and the reply goes out
 * through Evolution (the provider simulator); from an origin not listed the
 * browser blocks the very first fetch (TypeError) and nothing reaches Newton.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { TestNewton } from '@newton/server/testing/harness';
import { EVOLUTION_SEND_TEXT, installEvolution } from '@newton/server/testing/provider-simulator/evolution';
import { ProviderSimulator } from '@newton/server/testing/provider-simulator/server';
import { FAST_SEND } from '@newton/server/testing/reply-fixture';
import type { Page } from 'playwright-core';
import { INSTANCE, seedTenant } from './seed.js';
import { openPage, requireChromium } from './support.js';

const TENANT = 'cors_tenant';
const APIKEY = 'key-cors-tenant';
const REPLY = 'Hola desde el CRM';

/**
 * The CRM's page: reads Newton's URL and a bearer token from its fragment
 * (as a CRM would hold them), lists conversations, replies to the first one,
 * and writes what happened into #result.
 */
const CRM_PAGE = `<!doctype html><meta charset="utf-8"><title>CRM</title><pre id="result"></pre>
<script type="module">
const p = new URLSearchParams(location.hash.slice(1));
const api = p.get('api');
const auth = { authorization: 'Bearer ' + p.get('token') };
const out = document.getElementById('result');
const steps = [];
try {
  const list = await fetch(api + '/api/conversations', { headers: auth });
  const page = await list.json();
  steps.push({ step: 'list', status: list.status, count: page.items.length });
  const id = page.items[0].id;
  const sent = await fetch(api + '/api/conversations/' + encodeURIComponent(id) + '/messages', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ text: ${JSON.stringify(REPLY)}, client_id: 'crm-1' }),
  });
  const body = await sent.json();
  steps.push({ step: 'reply', status: sent.status, message_id: body.message?.id ?? null, conversation_id: id });
} catch (err) {
  steps.push({ step: 'error', name: err.name, message: String(err.message) });
}
out.textContent = JSON.stringify(steps);
out.dataset.done = 'true';
</script>`;

async function serveCrm(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/crm.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(CRM_PAGE);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

type Step = {
  step: string;
  status?: number;
  count?: number;
  message_id?: string;
  conversation_id?: string;
  name?: string;
};

async function runCrm(page: Page, pageUrl: string): Promise<Step[]> {
  await page.goto(pageUrl);
  const result = page.locator('#result[data-done=true]');
  await result.waitFor({ timeout: 15_000 });
  return JSON.parse((await result.textContent()) ?? '[]') as Step[];
}

test('CORS: a CRM page on a listed origin lists conversations and sends a reply; an unlisted origin is blocked', async (t) => {
  if (!requireChromium(t)) return;
  const crm = await serveCrm();
  t.after(() => new Promise<void>((r) => crm.server.close(() => r())));
  // Listed: the page at 127.0.0.1:<port>. The same page at localhost:<port> is another origin, not listed.
  const listed = `http://127.0.0.1:${crm.port}`;
  const unlisted = `http://localhost:${crm.port}`;
  const sim = await ProviderSimulator.start();
  t.after(() => sim.close());
  const evo = installEvolution(sim, { instances: { [INSTANCE]: APIKEY } });
  const newton = await TestNewton.start({ ...FAST_SEND, corsOrigins: [listed] });
  t.after(() => newton.close());
  await seedTenant(newton, TENANT, { baseUrl: sim.url, apikey: APIKEY });
  const token = await newton.token(TENANT, { user: 'crm' });
  const fragment = `#api=${encodeURIComponent(newton.url)}&token=${encodeURIComponent(token)}`;
  const { page } = await openPage(t, { locale: 'en-US' });

  // Another origin, not listed: the browser refuses the answer of the preflight; nothing is sent.
  const blocked = await runCrm(page, `${unlisted}/crm.html${fragment}`);
  assert.deepEqual(
    blocked.map((s) => [s.step, s.name]),
    [['error', 'TypeError']],
    JSON.stringify(blocked),
  );
  assert.equal(sim.requests(EVOLUTION_SEND_TEXT).length, 0);

  // The listed origin: both calls succeed from the page.
  const steps = await runCrm(page, `${listed}/crm.html${fragment}`);
  assert.deepEqual(
    steps.map((s) => [s.step, s.status]),
    [
      ['list', 200],
      ['reply', 201],
    ],
    JSON.stringify(steps),
  );
  assert.ok((steps[0]?.count ?? 0) > 0, 'the page saw the conversations');
  // On the server side: the reply is stored and went out through Evolution.
  await sim.waitForRequests(EVOLUTION_SEND_TEXT, 1, 10_000);
  assert.equal(evo.sent[0]?.text, REPLY);
  const { message_id: messageId, conversation_id: conversationId } = steps[1] ?? {};
  const thread = await newton.get(`/api/conversations/${conversationId}/messages`, token);
  const mine = (thread.body.items as { id: string; content: string; direction: string }[]).find(
    (m) => m.id === messageId,
  );
  assert.deepEqual([mine?.content, mine?.direction], [REPLY, 'outbound'], 'the reply is stored');
});

/**
 * The template catalog (issue #15 §8): one request per number per TTL,
 * shared by concurrent callers; a failed request is not cached; Evolution
 * numbers and Cloud numbers without a known WABA have no templates; Meta's
 * list is read into fillable templates only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instance, MessageTemplate, ProviderClient } from '../core/index.js';
import { type NewtonError, ProviderRegistry } from '../core/index.js';
import { templateOf } from '../providers/cloud/templates.js';
import { TemplateCatalog } from './templates.js';

const cloud: Instance = {
  id: 'i-1',
  tenantId: 'acme',
  provider: 'cloud',
  name: '106540352242922',
  number: null,
  apikey: 'EAAG',
  webhookSecret: null,
  baseUrl: null,
  appSecret: null,
  verifyToken: null,
  wabaId: '102290129340398',
  createdAt: 0,
};

function registry(list: () => Promise<MessageTemplate[]>) {
  let calls = 0;
  const client = {
    provider: 'cloud',
    sendConfigProblem: () => null,
    sendText: async () => ({ providerMessageId: 'x' }),
    listTemplates: () => {
      calls++;
      return list();
    },
  } as ProviderClient;
  return { reg: new ProviderRegistry().register(client), calls: () => calls };
}

const T: MessageTemplate = {
  id: '1',
  name: 'hola',
  language: 'es',
  category: 'UTILITY',
  status: 'APPROVED',
  body: 'Hola {{1}}',
  placeholders: ['1'],
  header: null,
  footer: null,
};

test('cached for the TTL, shared by concurrent callers, asked again after it', async () => {
  let now = 1000;
  const { reg, calls } = registry(async () => [T]);
  const catalog = new TemplateCatalog(reg, 60_000, 3000, () => now);
  const [a, b] = await Promise.all([catalog.list(cloud), catalog.list(cloud)]);
  assert.deepEqual([a, b], [[T], [T]]);
  assert.equal(calls(), 1);
  now += 59_999;
  await catalog.find(cloud, 'hola', 'es');
  assert.equal(calls(), 1);
  now += 2;
  await catalog.list(cloud);
  assert.equal(calls(), 2, 'expired: asked again');
  await assert.rejects(
    catalog.find(cloud, 'hola', 'en'),
    (e: NewtonError) => e.code === 'template_not_found',
  );
});

test('a failure is not cached; no WABA or an Evolution number: templates_unavailable', async () => {
  let fail = true;
  const { reg, calls } = registry(async () => {
    if (fail) throw new Error('boom');
    return [T];
  });
  const catalog = new TemplateCatalog(reg, 60_000, 3000);
  await assert.rejects(catalog.list(cloud), (e: NewtonError) => e.code === 'provider_failed');
  fail = false;
  assert.deepEqual(await catalog.list(cloud), [T]);
  assert.equal(calls(), 2);
  await assert.rejects(
    catalog.list({ ...cloud, wabaId: null }),
    (e: NewtonError) => e.code === 'templates_unavailable',
  );
  await assert.rejects(
    catalog.list({ ...cloud, provider: 'evolution' }),
    (e: NewtonError) => e.code === 'templates_unavailable',
  );
});

test("Meta's list: positional and named placeholders; media headers and URL parameters left out", () => {
  assert.deepEqual(
    templateOf({
      id: '9',
      name: 'pedido',
      language: 'en_US',
      status: 'APPROVED',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order' },
        { type: 'BODY', text: 'Hi {{first_name}}, order {{order_id}} ships {{first_name}}' },
        { type: 'FOOTER', text: 'Acme' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'OK' }] },
      ],
    }),
    {
      id: '9',
      name: 'pedido',
      language: 'en_US',
      category: 'UTILITY',
      status: 'APPROVED',
      body: 'Hi {{first_name}}, order {{order_id}} ships {{first_name}}',
      placeholders: ['first_name', 'order_id'],
      header: 'Order',
      footer: 'Acme',
    },
  );
  assert.equal(
    templateOf({ name: 'img', language: 'es', components: [{ type: 'HEADER', format: 'IMAGE' }] }),
    null,
  );
  assert.equal(
    templateOf({
      name: 'url',
      language: 'es',
      components: [{ type: 'BUTTONS', buttons: [{ type: 'URL', url: 'https://x.test/{{1}}' }] }],
    }),
    null,
  );
});

/**
 * The OpenAPI document tells the truth (#14): real answers of a real node —
 * webhooks, the inbox reads, the admin side and errors — validate against the
 * response schemas `/docs/json` publishes for them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { imageMessage, upsertBody } from '../../testing/evolution-fixtures.js';
import { type HttpResult, TestNewton } from '../../testing/harness.js';

type Responses = Record<string, { content?: Record<string, { schema: object }> }>;

let t: TestNewton;
let paths: Record<string, Record<string, { responses: Responses }>>;
const ajv = new Ajv2020({ strict: false, allErrors: true });

before(async () => {
  t = await TestNewton.start();
  paths = ((await (await fetch(`${t.url}/docs/json`)).json()) as { paths: typeof paths }).paths;
  await t.addTenant('acme');
  await t.addInstance({ tenantId: 'acme', name: 'acme-wa' });
});
after(() => t.close());

/** Asserts `res` validates against the schema documented for `METHOD path` and its status. */
function conforms(method: string, path: string, res: HttpResult): void {
  const responses = paths[path]?.[method.toLowerCase()]?.responses;
  assert.ok(responses, `${method} ${path} is not in the document`);
  const entry = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`];
  const schema = entry?.content?.['application/json']?.schema;
  assert.ok(schema, `${method} ${path} documents no JSON answer for ${res.status}`);
  const validate = ajv.compile(schema);
  assert.ok(
    validate(res.body),
    `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`,
  );
}

test('webhook, inbox, admin and error answers match their documented schemas', async () => {
  const text = await t.evolution(upsertBody({ instance: 'acme-wa', sender: null, text: 'hola' }));
  conforms('POST', '/webhooks/evolution', text);
  const photo = await t.evolution(
    upsertBody({ instance: 'acme-wa', sender: null, message: imageMessage('foto') }),
  );
  conforms('POST', '/webhooks/evolution', photo);
  const unroutable = await t.evolution(upsertBody({ instance: 'nobody', sender: null }));
  assert.equal(unroutable.status, 202);
  conforms('POST', '/webhooks/evolution', unroutable);

  const agent = await t.token('acme', { user: 'ana' });
  const admin = await t.token('acme', { role: 'admin' });
  const conversationId = String(text.body.conversation_id);
  conforms('GET', '/api/me', await t.get('/api/me', agent));
  const list = await t.get('/api/conversations', agent);
  assert.equal((list.body.items as unknown[]).length, 1);
  conforms('GET', '/api/conversations', list);
  conforms('GET', '/api/conversations/{id}', await t.get(`/api/conversations/${conversationId}`, agent));
  const messages = await t.get(`/api/conversations/${conversationId}/messages`, agent);
  assert.equal((messages.body.items as unknown[]).length, 2);
  conforms('GET', '/api/conversations/{id}/messages', messages);
  const leads = await t.get('/api/leads', agent);
  conforms('GET', '/api/leads', leads);
  const leadId = String((leads.body.items as { id: string }[])[0]?.id);
  conforms('GET', '/api/leads/{id}', await t.get(`/api/leads/${leadId}`, agent));
  // The lead panel (#15): an edit, the lead with an agents' name and attributes, a refused edit.
  const edit = await t.request('PATCH', `/api/leads/${leadId}`, agent, {
    name: 'Ana (VIP)',
    attributes: { plan: 'pro' },
  });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  conforms('PATCH', '/api/leads/{id}', edit);
  conforms('GET', '/api/leads/{id}', await t.get(`/api/leads/${leadId}`, agent));
  conforms('PATCH', '/api/leads/{id}', await t.request('PATCH', `/api/leads/${leadId}`, agent, {}));
  conforms('GET', '/api/instances', await t.get('/api/instances', agent));
  conforms('GET', '/api/admin/tenants', await t.get('/api/admin/tenants', admin));
  conforms(
    'GET',
    '/api/admin/tenants/{id}/instances',
    await t.get('/api/admin/tenants/acme/instances', admin),
  );
  conforms('GET', '/api/admin/diagnostics', await t.get('/api/admin/diagnostics?tenant=acme', admin));
  const probe = await t.post(
    '/api/admin/diagnostics/probe?tenant=acme',
    {},
    { authorization: `Bearer ${admin}` },
  );
  assert.equal(probe.status, 200, JSON.stringify(probe.body));
  conforms('POST', '/api/admin/diagnostics/probe', probe);
  const added = await t.post(
    '/api/admin/tenants/acme/instances',
    { provider: 'evolution', instance: 'acme-2', apikey: 'k'.repeat(20) },
    { authorization: `Bearer ${admin}` },
  );
  assert.equal(added.status, 201, JSON.stringify(added.body));
  conforms('POST', '/api/admin/tenants/{id}/instances', added);
  conforms('GET', '/healthz', await t.get('/healthz'));

  // Errors: the same body everywhere.
  const missing = await t.get('/api/conversations/nope', agent);
  assert.equal(missing.status, 404);
  conforms('GET', '/api/conversations/{id}', missing);
  const anonymous = await t.get('/api/me');
  assert.equal(anonymous.status, 401);
  conforms('GET', '/api/me', anonymous);
  const forbidden = await t.get('/api/admin/tenants', agent);
  assert.equal(forbidden.status, 403);
  conforms('GET', '/api/admin/tenants', forbidden);
});

test('the check can fail: an answer missing a required field does not validate', () => {
  const schema = paths['/api/me']?.get?.responses['200']?.content?.['application/json']?.schema;
  assert.ok(schema);
  assert.equal(ajv.validate(schema, { user_id: 'ana', tenant_id: 'acme', tenants: ['acme'] }), false);
});

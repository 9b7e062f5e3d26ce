/**
 * Instances that change without losing data: `newton instance update` and
 * `PATCH /api/admin/instances/{id}` keep the instance id, so every
 * conversation and message stays listed; removing an instance that holds
 * conversations is refused with the counts unless purged; an own number
 * another tenant already has is refused, naming that tenant, unless shared
 * on purpose. Admin routes answer only for the token's tenants.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';
import type { Instance } from '../core/index.js';

let t: TestNewton;
const cli = (...argv: string[]) => runCli(argv, t.env());

const call = (method: string, p: string, token?: string, body?: unknown) => t.request(method, p, token, body);

/** Two customer messages into `instance` (one conversation each sender). */
async function converse(instance: string, apikey: string, from: string[]): Promise<void> {
  for (const f of from) {
    const res = await t.evolution(
      upsertBody({ instance, apikey, from: f, sender: null, text: `hola de ${f}` }),
    );
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  }
}

async function conversations(tenant: string): Promise<{ id: string }[]> {
  const res = await t.get('/api/conversations?limit=50', await t.token(tenant));
  return res.body.items as { id: string }[];
}

before(async () => {
  t = await TestNewton.start();
  await t.addTenant('acme');
  await t.addTenant('globex');
});
after(() => t.close());

describe('newton instance update / remove', () => {
  let wa: Instance;

  before(async () => {
    wa = await t.addInstance({
      tenantId: 'acme',
      name: 'acme-wa',
      apikey: 'key-1',
      baseUrl: 'http://evo-1:8080',
    });
    await converse('acme-wa', 'key-1', ['573001110001', '573001110002']);
  });

  test('update --url --apikey keeps the instance id, every conversation and its messages', async () => {
    const before = await conversations('acme');
    assert.equal(before.length, 2);
    const r = await cli(
      'instance',
      'update',
      'acme',
      'acme-wa',
      '--url',
      'https://evo-2.example.com/',
      '--apikey',
      'key-2',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /2 conversations and 2 messages are kept/);
    assert.ok(!r.out.includes('key-2'), 'the key was printed');
    const now = await t.node.store.admin.getInstance(wa.id);
    assert.equal(now?.baseUrl, 'https://evo-2.example.com');
    assert.equal(now?.apikey, 'key-2');
    assert.deepEqual(
      (await conversations('acme')).map((c) => c.id),
      before.map((c) => c.id),
    );
    const token = await t.token('acme');
    for (const c of before) {
      const msgs = await t.get(`/api/conversations/${c.id}/messages`, token);
      assert.equal((msgs.body.items as unknown[]).length, 1);
    }
    // The new key routes webhooks; the old one no longer does.
    await converse('acme-wa', 'key-2', ['573001110001']);
    const old = await t.evolution(upsertBody({ instance: 'acme-wa', apikey: 'key-1', sender: null }));
    assert.equal(old.status, 401);
  });

  test('update: bad values and options of the other provider are usage errors (exit 2)', async () => {
    for (const argv of [['--url', 'evo-2'], ['--number', '12'], ['--access-token', 'x'], []]) {
      const r = await cli('instance', 'update', 'acme', 'acme-wa', ...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    }
    assert.equal((await cli('instance', 'update', 'acme', 'nope', '--apikey', 'k')).code, 1);
    assert.equal((await cli('instance', 'update', 'globex', 'acme-wa', '--apikey', 'k')).code, 1);
  });

  test('remove is refused while the instance holds conversations, with the counts; --purge removes them', async () => {
    const refused = await cli('instance', 'remove', 'acme', 'acme-wa');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /has 2 conversations and 3 messages: not removed \(add --purge/);
    assert.ok(await t.node.store.admin.getInstance(wa.id));
    assert.equal((await conversations('acme')).length, 2);

    const purged = await cli('instance', 'remove', 'acme', 'acme-wa', '--purge');
    assert.equal(purged.code, 0, purged.err);
    assert.match(purged.out, /with its 2 conversations and 3 messages/);
    assert.equal(await t.node.store.admin.getInstance(wa.id), undefined);
    assert.equal((await conversations('acme')).length, 0);
    const leads = await t.get('/api/leads?limit=10', await t.token('acme'));
    assert.equal((leads.body.items as unknown[]).length, 0, 'leads left without a conversation go too');
  });

  test('an own number another tenant has is refused, naming the tenant; --allow-shared allows it', async () => {
    await t.addInstance({ tenantId: 'globex', name: 'globex-wa', number: '573014165044' });
    const number = ['--number', '+57 301 416 5044'];
    const add = (...more: string[]) =>
      cli(
        'instance',
        'add',
        'acme',
        ...['--provider', 'evolution', '--instance', 'acme-shared'],
        ...number,
        ...more,
      );
    const refused = await add();
    assert.equal(refused.code, 1);
    assert.match(refused.err, /\+573014165044 is already the number of an instance of tenant globex/);
    assert.match(refused.err, /--allow-shared/);
    assert.equal(await t.node.store.admin.findInstance('evolution', 'acme-shared'), undefined);
    const shared = await add('--allow-shared');
    assert.equal(shared.code, 0, shared.err);
    // The same rule when a number is changed.
    const other = await t.addInstance({ tenantId: 'acme', name: 'acme-two' });
    const upd = await cli('instance', 'update', 'acme', 'acme-two', '--number', '573014165044');
    assert.equal(upd.code, 1);
    assert.match(upd.err, /tenant globex/);
    assert.equal(
      (await cli('instance', 'update', 'acme', 'acme-two', '--number', '573014165044', '--allow-shared'))
        .code,
      0,
    );
    assert.equal((await t.node.store.admin.getInstance(other.id))?.number, '573014165044');
  });
});

describe('admin API: PATCH and DELETE /api/admin/instances/{id}', () => {
  let rest: Instance;
  let globexOnly: Instance;

  before(async () => {
    rest = await t.addInstance({ tenantId: 'acme', name: 'acme-rest', apikey: 'rest-key-1' });
    globexOnly = await t.addInstance({ tenantId: 'globex', name: 'globex-only', number: '573015550000' });
    await converse('acme-rest', 'rest-key-1', ['573002220001']);
  });

  test('PATCH changes settings in place (same id, conversation kept); secrets never come back', async () => {
    const admin = await t.token('acme', { role: 'admin' });
    const before = await conversations('acme');
    const res = await call('PATCH', `/api/admin/instances/${rest.id}`, admin, {
      url: 'https://evo-3.example.com',
      apikey: 'rest-key-2',
      webhook_secret: 'rest-secret-2',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.id, rest.id);
    assert.equal(res.body.base_url, 'https://evo-3.example.com');
    assert.equal(res.body.webhook_secret_set, true);
    assert.ok(!JSON.stringify(res.body).includes('rest-key-2'));
    assert.ok(!JSON.stringify(res.body).includes('rest-secret-2'));
    assert.deepEqual(await conversations('acme'), before);

    const bad = await call('PATCH', `/api/admin/instances/${rest.id}`, admin, { access_token: 'x' });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /access_token is not a setting of evolution/);
    const unknown = await call('PATCH', `/api/admin/instances/${rest.id}`, admin, { name: 'x' });
    assert.equal(unknown.status, 400);
  });

  test('PATCH with a number of another tenant → 409 number_in_use, the tenant named only to its admins', async () => {
    const acme = await t.token('acme', { role: 'admin' });
    const res = await call('PATCH', `/api/admin/instances/${rest.id}`, acme, { number: '573015550000' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error, 'number_in_use');
    assert.ok(!JSON.stringify(res.body).includes('globex'), 'another tenant was named');
    const both = await t.token(['acme', 'globex'], { role: 'admin' });
    const named = await call('PATCH', `/api/admin/instances/${rest.id}`, both, { number: '573015550000' });
    assert.match(String(named.body.message), /tenant globex/);
    const shared = await call('PATCH', `/api/admin/instances/${rest.id}`, acme, {
      number: '573015550000',
      allow_shared: true,
    });
    assert.equal(shared.status, 200);
    assert.equal(shared.body.number, '+573015550000');
    // And on POST …/instances.
    const post = await call('POST', '/api/admin/tenants/acme/instances', acme, {
      provider: 'evolution',
      instance: 'acme-post',
      number: '573015550000',
    });
    assert.equal(post.status, 409);
    assert.equal(post.body.error, 'number_in_use');
  });

  test("another tenant's admin gets 404 on PATCH and DELETE, an agent 403, no token 401", async () => {
    const globex = await t.token('globex', { role: 'admin' });
    const agent = await t.token('acme');
    for (const [method, body] of [
      ['PATCH', { apikey: 'stolen' }],
      ['DELETE', undefined],
    ] as [string, unknown][]) {
      const p = `/api/admin/instances/${rest.id}${method === 'DELETE' ? '?purge=true' : ''}`;
      assert.equal((await call(method, p, globex, body)).status, 404, method);
      assert.equal((await call(method, p, agent, body)).status, 403, method);
      assert.equal((await call(method, p, undefined, body)).status, 401, method);
    }
    assert.equal((await t.node.store.admin.getInstance(rest.id))?.apikey, 'rest-key-2');
    const acme = await t.token('acme', { role: 'admin' });
    assert.equal((await call('DELETE', `/api/admin/instances/${globexOnly.id}`, acme)).status, 404);
  });

  test('DELETE → 409 instance_in_use with the counts; ?purge=true → 200 with what went; an empty one → 204', async () => {
    const admin = await t.token('acme', { role: 'admin' });
    const refused = await call('DELETE', `/api/admin/instances/${rest.id}`, admin);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'instance_in_use');
    assert.equal(refused.body.conversations, 1);
    assert.equal(refused.body.messages, 1);
    const purged = await call('DELETE', `/api/admin/instances/${rest.id}?purge=true`, admin);
    assert.equal(purged.status, 200);
    assert.deepEqual(purged.body, { removed: { conversations: 1, messages: 1 } });
    assert.equal(await t.node.store.admin.getInstance(rest.id), undefined);
    const empty = await t.addInstance({ tenantId: 'acme', name: 'acme-empty' });
    assert.equal((await call('DELETE', `/api/admin/instances/${empty.id}`, admin)).status, 204);
    assert.equal((await call('DELETE', `/api/admin/instances/${empty.id}`, admin)).status, 404);
  });
});

/**
 * The admin side of tenants and instances over REST: admin role only, the
 * token's tenants only, secrets in but never out, and changes live on the
 * running node (no restart).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { type HttpResult, TestNewton } from '../../testing/harness.js';
import { startNode } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../core/index.js';

let newton: TestNewton;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('acme', 'Acme');
  await newton.addTenant('globex');
  await newton.addInstance({ tenantId: 'globex', name: 'globex-wa', apikey: 'globex-key-123' });
});
after(() => newton.close());

const admin = (tenant: string | string[]) => newton.token(tenant, { role: 'admin', user: 'boss' });

async function call(method: string, p: string, token?: string, body?: unknown): Promise<HttpResult> {
  const res = await fetch(`${newton.url}${p}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

const EVOLUTION = {
  provider: 'evolution',
  instance: 'acme-rest',
  number: '+57 301 416 5044',
  apikey: 'acme-rest-apikey-secret',
  webhook_secret: 'acme-rest-url-secret',
  url: 'https://evo.example.com',
};
const CLOUD = {
  provider: 'cloud',
  phone_number_id: '1098765432101',
  app_secret: 'acme-cloud-app-secret',
  verify_token: 'acme-cloud-verify-token',
  access_token: 'acme-cloud-access-token',
  graph_url: 'https://graph.example.com/v21.0/',
};
const SECRETS = [
  EVOLUTION.apikey,
  EVOLUTION.webhook_secret,
  CLOUD.app_secret,
  CLOUD.verify_token,
  CLOUD.access_token,
];

describe('admin config API: access', () => {
  test('no token → 401, an agent → 403 on every route', async () => {
    const agent = await newton.token('acme', { role: 'agent' });
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/admin/tenants'],
      ['POST', '/api/admin/tenants', { id: 'acme' }],
      ['GET', '/api/admin/tenants/acme/instances'],
      ['POST', '/api/admin/tenants/acme/instances', EVOLUTION],
      ['DELETE', '/api/admin/tenants/acme/instances/x'],
    ];
    for (const [method, p, body] of routes) {
      const none = await call(method, p, undefined, body);
      assert.equal(none.status, 401, `${method} ${p}`);
      assert.equal(none.body.error, 'unauthorized');
      const forbidden = await call(method, p, agent, body);
      assert.equal(forbidden.status, 403, `${method} ${p}`);
      assert.equal(forbidden.body.error, 'forbidden');
    }
  });

  test('tenants: only those the token names and that exist', async () => {
    const res = await call('GET', '/api/admin/tenants', await admin(['acme', 'nope']));
    assert.equal(res.status, 200);
    const items = res.body.items as Record<string, unknown>[];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.id, 'acme');
    assert.equal(items[0]?.name, 'Acme');
    assert.equal(items[0]?.last_seq, 0);
    assert.ok(!Number.isNaN(Date.parse(String(items[0]?.created_at))));
  });

  test('creating a tenant: named in the token → 201; not named → 403; again → 409 tenant_exists', async () => {
    const token = await admin(['acme', 'initech']);
    const created = await call('POST', '/api/admin/tenants', token, { id: 'initech', name: 'Initech' });
    assert.equal(created.status, 201);
    assert.equal(created.body.id, 'initech');
    assert.equal(created.body.name, 'Initech');
    assert.ok(await newton.node.store.admin.getTenant('initech'));

    // Not in the token: 403 whether the tenant exists (globex) or not (hooli): nothing to probe.
    for (const id of ['globex', 'hooli']) {
      const res = await call('POST', '/api/admin/tenants', token, { id });
      assert.equal(res.status, 403);
      assert.equal(res.body.error, 'forbidden');
    }
    assert.equal(await newton.node.store.admin.getTenant('hooli'), undefined);

    const again = await call('POST', '/api/admin/tenants', token, { id: 'initech' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'tenant_exists');
  });

  test('bad bodies → 400 invalid_request', async () => {
    const token = await admin(['acme', 'bad id!']);
    const tenantBodies: unknown[] = [
      {},
      { id: 'bad id!' },
      { id: 'acme', extra: 1 },
      { id: 'acme', name: '' },
      [],
    ];
    for (const body of tenantBodies) {
      const res = await call('POST', '/api/admin/tenants', token, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error, 'invalid_request', JSON.stringify(body));
    }
    const instanceBodies: unknown[] = [
      {},
      { provider: 'twilio', instance: 'x' },
      { provider: 'evolution' },
      { provider: 'evolution', instance: 'x', number: 'abc' },
      { provider: 'evolution', instance: 'x', url: 'ftp://evo' },
      { provider: 'evolution', instance: 'x', access_token: 't' },
      { provider: 'evolution', instance: 'x'.repeat(201) },
      { ...CLOUD, phone_number_id: '12ab' },
      { ...CLOUD, app_secret: undefined },
      { ...CLOUD, graph_url: 'not a url' },
      { ...CLOUD, apikey: 'k' },
    ];
    for (const body of instanceBodies) {
      const res = await call('POST', '/api/admin/tenants/acme/instances', token, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error, 'invalid_request', JSON.stringify(body));
    }
    const bad = await call('POST', '/api/admin/tenants/acme/instances', token, {
      ...CLOUD,
      graph_url: 'nope',
    });
    assert.match(String(bad.body.message), /^graph_url "nope" is not an http\(s\) URL$/);
    const broken = await call('POST', '/api/admin/tenants/acme/instances', token, '{"provider":');
    assert.equal(broken.status, 400);
    const huge = await call('POST', '/api/admin/tenants/acme/instances', token, {
      ...EVOLUTION,
      apikey: 'k'.repeat(20_000),
    });
    assert.equal(huge.status, 413);
    assert.deepEqual(await newton.node.store.admin.listInstances('acme'), []);
  });
});

describe('admin config API: instances', () => {
  let evolutionId = '';

  test('add Evolution + Cloud instances; the listing says which secrets are set, never their values', async () => {
    const token = await admin('acme');
    const evo = await call('POST', '/api/admin/tenants/acme/instances', token, EVOLUTION);
    assert.equal(evo.status, 201);
    evolutionId = String(evo.body.id);
    assert.equal(evo.body.number, '+573014165044');
    assert.deepEqual(evo.body.warnings, []);
    const cloud = await call('POST', '/api/admin/tenants/acme/instances', token, CLOUD);
    assert.equal(cloud.status, 201);

    const list = await call('GET', '/api/admin/tenants/acme/instances', token);
    assert.equal(list.status, 200);
    const items = list.body.items as Record<string, unknown>[];
    assert.deepEqual(
      items.map(({ id: _id, created_at: _at, ...rest }) => rest),
      [
        {
          provider: 'evolution',
          name: 'acme-rest',
          number: '+573014165044',
          base_url: 'https://evo.example.com',
          apikey_set: true,
          webhook_secret_set: true,
          app_secret_set: false,
          verify_token_set: false,
        },
        {
          provider: 'cloud',
          name: '1098765432101',
          number: null,
          base_url: 'https://graph.example.com/v21.0',
          apikey_set: true,
          webhook_secret_set: false,
          app_secret_set: true,
          verify_token_set: true,
        },
      ],
    );
    const text = JSON.stringify([evo.body, cloud.body, list.body]);
    for (const secret of SECRETS) assert.ok(!text.includes(secret), 'a secret was returned');
  });

  test('an Evolution instance with no credential is added with a warning', async () => {
    const token = await admin('acme');
    const res = await call('POST', '/api/admin/tenants/acme/instances', token, {
      provider: 'evolution',
      instance: 'acme-open',
    });
    assert.equal(res.status, 201);
    assert.match(String((res.body.warnings as string[])[0]), /neither apikey nor webhook_secret/);
    const del = await call('DELETE', `/api/admin/tenants/acme/instances/${res.body.id}`, token);
    assert.equal(del.status, 204);
  });

  test('a taken (provider, name) → 409 instance_exists, also when another tenant holds it, without naming it', async () => {
    const token = await admin('acme');
    for (const body of [EVOLUTION, { provider: 'evolution', instance: 'globex-wa' }, CLOUD]) {
      const res = await call('POST', '/api/admin/tenants/acme/instances', token, body);
      assert.equal(res.status, 409);
      assert.equal(res.body.error, 'instance_exists');
      assert.ok(!JSON.stringify(res.body).includes('globex'));
    }
  });

  test('the new instance routes webhooks at once (no restart), until it is deleted', async () => {
    const token = await admin('acme');
    const hook = (text: string) =>
      newton.evolution(
        upsertBody({ instance: 'acme-rest', sender: '573014165044', apikey: EVOLUTION.apikey, text }),
      );
    const accepted = await hook('hola desde REST');
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.outcome, 'accepted');

    // It now holds a conversation: refused with the counts, removed with ?purge=true.
    const refused = await call('DELETE', `/api/admin/tenants/acme/instances/${evolutionId}`, token);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'instance_in_use');
    assert.equal(refused.body.conversations, 1);
    assert.equal(refused.body.messages, 1);
    const del = await call('DELETE', `/api/admin/tenants/acme/instances/${evolutionId}?purge=true`, token);
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { removed: { conversations: 1, messages: 1 } });
    const after = await hook('ya no');
    assert.equal(after.status, 202);
    assert.equal(after.body.outcome, 'unroutable');
    const again = await call('DELETE', `/api/admin/tenants/acme/instances/${evolutionId}`, token);
    assert.equal(again.status, 404);
  });

  test('tenant isolation both ways', async () => {
    const acme = await admin('acme');
    const globex = await admin('globex');
    const globexInstance = (await newton.node.store.admin.listInstances('globex'))[0];
    assert.ok(globexInstance);
    const acmeInstance = (await newton.node.store.admin.listInstances('acme'))[0];
    assert.ok(acmeInstance);

    // acme's admin cannot see, add to or delete from globex: 404 as for a tenant that does not exist.
    for (const [method, p, body] of [
      ['GET', '/api/admin/tenants/globex/instances'],
      ['POST', '/api/admin/tenants/globex/instances', { provider: 'evolution', instance: 'sneaky' }],
      ['DELETE', `/api/admin/tenants/globex/instances/${globexInstance.id}`],
      ['GET', '/api/admin/tenants/nowhere/instances'],
    ] as [string, string, unknown?][]) {
      const res = await call(method, p, acme, body);
      assert.equal(res.status, 404, `${method} ${p}`);
      assert.equal(res.body.error, 'not_found');
    }
    // Nor delete globex's instance through its own tenant's path.
    const cross = await call('DELETE', `/api/admin/tenants/acme/instances/${globexInstance.id}`, acme);
    assert.equal(cross.status, 404);
    // And the other way round.
    const back = await call('DELETE', `/api/admin/tenants/acme/instances/${acmeInstance.id}`, globex);
    assert.equal(back.status, 404);
    const viaGlobex = await call('DELETE', `/api/admin/tenants/globex/instances/${acmeInstance.id}`, globex);
    assert.equal(viaGlobex.status, 404);
    const list = await call('GET', '/api/admin/tenants/globex/instances', globex);
    assert.deepEqual(
      (list.body.items as { name: string }[]).map((i) => i.name),
      ['globex-wa'],
    );
    const tenants = await call('GET', '/api/admin/tenants', globex);
    assert.deepEqual(
      (tenants.body.items as { id: string }[]).map((t) => t.id),
      ['globex'],
    );
    assert.equal((await newton.node.store.admin.listInstances('globex')).length, 1);
    assert.equal((await newton.node.store.admin.listInstances('acme')).length, 1);
  });

  test('the OpenAPI document lists the routes', async () => {
    const res = await newton.get('/docs/json');
    const paths = Object.keys(res.body.paths as Record<string, unknown>);
    for (const p of [
      '/api/admin/tenants',
      '/api/admin/tenants/{id}/instances',
      '/api/admin/tenants/{id}/instances/{instanceId}',
    ]) {
      assert.ok(paths.includes(p), p);
    }
  });
});

test('no secret of an added instance reaches a log line', async () => {
  const lines: string[] = [];
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'newton-admin-config-'));
  const node = await startNode(
    {
      ...loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ID: 'admin-config' }),
      databaseUrl: database.url,
    },
    createLogger('debug', 'admin-config', { write: (line: string) => lines.push(line) }),
  );
  try {
    await node.store.admin.createTenant('acme', null);
    const token = await node.tokens.issue({ tenants: ['acme'], role: 'admin', ttlSeconds: 600 });
    for (const body of [EVOLUTION, CLOUD, { ...CLOUD, phone_number_id: '1', graph_url: 'bad' }]) {
      const res = await fetch(`${node.url}/api/admin/tenants/acme/instances`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.text();
      assert.ok(res.status === 201 || res.status === 400);
    }
    assert.ok(lines.some((l) => l.includes('instance added')));
  } finally {
    await node.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  for (const secret of SECRETS) {
    for (const line of lines) assert.ok(!line.includes(secret), `leaked: ${line.slice(0, 200)}`);
  }
});

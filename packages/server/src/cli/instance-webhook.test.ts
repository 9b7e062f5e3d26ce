/**
 * Wiring Evolution's webhook with one command, against the provider
 * simulator: `newton instance webhook` names what is wrong (URL elsewhere,
 * MESSAGES_UPSERT off, disabled, not set), `--apply` fixes it (the simulator
 * then holds Newton's URL, events and auth header), the check then passes and
 * a second apply changes nothing. The same through
 * `GET|POST /api/admin/instances/{id}/webhook`, for the token's tenants only;
 * `instance add` shows the check and the exact command, or wires at once.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';
import {
  EVOLUTION_WEBHOOK_SET,
  type EvolutionInstanceSim,
  NEWTON_EVOLUTION_HOOK as HOOK,
  NEWTON_PUBLIC_URL as PUBLIC,
  startEvolutionSimulator,
  webhookRecord,
} from '../../testing/provider-simulator/evolution-instance.js';
import type { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import type { Instance } from '../core/index.js';
import { APPLIED_EVENTS } from '../upstream/index.js';

const SECRET = 'wh-secret-4c1f9e';

let t: TestNewton;
let sim: ProviderSimulator;
let evo: EvolutionInstanceSim;
let keyed: Instance;
let secret: Instance;

const env = (extra: Record<string, string> = {}) => ({ ...t.env(), PUBLIC_URL: PUBLIC, ...extra });
const cli = (...argv: string[]) => runCli(argv, env());

before(async () => {
  ({ sim, evo } = await startEvolutionSimulator({
    'acme-wa': 'key-acme',
    'acme-sec': 'key-sec',
    'acme-new': 'key-new',
  }));
  t = await TestNewton.start({ publicUrl: PUBLIC });
  await t.addTenant('acme');
  await t.addTenant('globex');
  keyed = await t.addInstance({ tenantId: 'acme', name: 'acme-wa', apikey: 'key-acme', baseUrl: sim.url });
  secret = await t.addInstance({
    tenantId: 'acme',
    name: 'acme-sec',
    apikey: 'key-sec',
    webhookSecret: SECRET,
    baseUrl: sim.url,
  });
});
after(async () => {
  await t.close();
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  evo.webhooks.clear();
});

describe('newton instance webhook', () => {
  const broken: [string, () => void, RegExp][] = [
    [
      'URL elsewhere',
      () => evo.webhooks.set('acme-wa', webhookRecord({ url: 'https://old-crm.example.com/hook' })),
      /wrong_url \(blocking\): Evolution posts to https:\/\/old-crm\.example\.com\/hook/,
    ],
    [
      'MESSAGES_UPSERT off',
      () =>
        evo.webhooks.set(
          'acme-wa',
          webhookRecord({ url: HOOK, events: ['SEND_MESSAGE', 'CONNECTION_UPDATE'] }),
        ),
      /missing_event MESSAGES_UPSERT \(blocking\)/,
    ],
    [
      'webhook disabled',
      () => evo.webhooks.set('acme-wa', webhookRecord({ url: HOOK, enabled: false, events: [] })),
      /disabled \(blocking\)/,
    ],
    ['not set', () => {}, /not_set \(blocking\)/],
  ];
  for (const [what, arrange, named] of broken) {
    test(`${what}: the check names it; --apply fixes it; the check passes; a second apply changes nothing`, async () => {
      arrange();
      const check = await cli('instance', 'webhook', 'acme', 'acme-wa');
      assert.equal(check.code, 1, check.out + check.err);
      assert.match(check.out, /Evolution has now:/);
      assert.match(check.out, named);
      assert.match(check.err, /newton instance webhook acme acme-wa --apply/);
      assert.equal(sim.requests(EVOLUTION_WEBHOOK_SET).length, 0, 'a check sets nothing');

      const apply = await cli('instance', 'webhook', 'acme', 'acme-wa', '--apply');
      assert.equal(apply.code, 0, apply.out + apply.err);
      assert.match(apply.out, /applied: POST \/webhook\/set/);
      assert.match(apply.out, /Evolution has after:/);
      assert.match(apply.out, /check: ok/);
      const row = evo.webhooks.get('acme-wa');
      assert.ok(row);
      assert.equal(row.url, HOOK);
      assert.equal(row.enabled, true);
      assert.equal(row.webhookByEvents, false);
      assert.equal(row.webhookBase64, false);
      assert.deepEqual(row.events, [...APPLIED_EVENTS]);
      // No webhook secret: the instance's API key as the apikey header (Newton's webhook route takes it).
      assert.deepEqual(row.headers, { apikey: 'key-acme' });
      assert.ok(!apply.out.includes('key-acme'), 'a header value was printed');
      const [set] = sim.requests(EVOLUTION_WEBHOOK_SET);
      assert.equal(set?.headers.apikey, 'key-acme');

      const ok = await cli('instance', 'webhook', 'acme', 'acme-wa');
      assert.equal(ok.code, 0, ok.out + ok.err);
      assert.match(ok.out, /check: ok/);

      const again = await cli('instance', 'webhook', 'acme', 'acme-wa', '--apply');
      assert.equal(again.code, 0, again.out + again.err);
      assert.match(again.out, /already wired, nothing changed/);
      assert.equal(sim.requests(EVOLUTION_WEBHOOK_SET).length, 1, 'the second apply sent nothing');
    });
  }

  test('an instance with a webhook secret gets it as a bearer header; the secret is never printed', async () => {
    const apply = await cli('instance', 'webhook', 'acme', 'acme-sec', '--apply');
    assert.equal(apply.code, 0, apply.out + apply.err);
    assert.deepEqual(evo.webhooks.get('acme-sec')?.headers, { authorization: `Bearer ${SECRET}` });
    assert.match(apply.out, /headers: {3}authorization/);
    assert.ok(!apply.out.includes(SECRET));
    // And Newton's webhook route accepts what Evolution will now send.
    const res = await t.evolution(upsertBody({ instance: 'acme-sec' }), {
      headers: { authorization: `Bearer ${SECRET}` },
    });
    assert.equal(res.body.outcome, 'accepted');
  });

  test('without PUBLIC_URL: --apply refuses with the fix and sends nothing; the check shows and fails', async () => {
    const apply = await runCli(['instance', 'webhook', 'acme', 'acme-wa', '--apply'], t.env());
    assert.equal(apply.code, 1);
    assert.match(apply.err, /PUBLIC_URL is not set.*PUBLIC_URL=https:\/\/newton\.example\.com/);
    assert.equal(sim.requests().length, 0);
    const check = await runCli(['instance', 'webhook', 'acme', 'acme-wa'], t.env());
    assert.equal(check.code, 1);
    assert.match(check.out, /unchecked: PUBLIC_URL is not set/);
    assert.match(check.err, /PUBLIC_URL is not set/);
  });

  test('misuse and unknown instances', async () => {
    assert.equal((await cli('instance', 'webhook', 'acme')).code, 2);
    const other = await cli('instance', 'webhook', 'globex', 'acme-wa');
    assert.equal(other.code, 1);
    assert.match(other.err, /tenant globex has no instance "acme-wa"/);
  });
});

describe('instance add shows the wiring', () => {
  test('with --url: the check and the exact apply command; --wire-webhook applies it', async () => {
    /** `newton instance add acme` of an Evolution instance at the simulator. */
    const addNew = (...more: string[]) =>
      cli('instance', 'add', 'acme', ...['--provider', 'evolution', '--instance', 'acme-new'], ...more);
    const add = await addNew('--apikey', 'key-new', '--url', sim.url);
    assert.equal(add.code, 0, add.err);
    assert.match(add.out, /webhook URL for Evolution: https:\/\/newton\.example\.com\/webhooks\/evolution/);
    assert.match(add.out, /not_set \(blocking\)/);
    assert.match(add.out, /wire it with: newton instance webhook acme acme-new --apply/);
    assert.equal(sim.requests(EVOLUTION_WEBHOOK_SET).length, 0);
    assert.equal((await cli('instance', 'remove', 'acme', 'acme-new')).code, 0);

    const wired = await addNew('--apikey', 'key-new', '--url', sim.url, '--wire-webhook');
    assert.equal(wired.code, 0, wired.err);
    assert.match(wired.out, /check: ok/);
    assert.equal(evo.webhooks.get('acme-new')?.url, HOOK);
    assert.equal((await cli('instance', 'remove', 'acme', 'acme-new')).code, 0);
  });

  test('--wire-webhook without PUBLIC_URL is refused before anything is added', async () => {
    const r = await runCli(
      [
        'instance',
        'add',
        'acme',
        '--provider',
        'evolution',
        '--instance',
        'acme-new',
        '--url',
        sim.url,
        '--wire-webhook',
      ],
      t.env(),
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /PUBLIC_URL is not set/);
    assert.equal(await t.node.store.admin.findInstance('evolution', 'acme-new'), undefined);
  });
});

describe('admin API: /api/admin/instances/{id}/webhook', () => {
  const call = (method: string, id: string, token?: string) =>
    t.request(method, `/api/admin/instances/${id}/webhook`, token);
  const problems = (b: Record<string, unknown>, key = 'before') =>
    ((b[key] as { problems: { code: string }[] }).problems ?? []).map((p) => p.code);

  test('GET checks, POST applies, POST again changes nothing', async () => {
    const admin = await t.token('acme', { role: 'admin' });
    evo.webhooks.set('acme-wa', webhookRecord({ url: 'https://old-crm.example.com/hook' }));
    const check = await call('GET', keyed.id, admin);
    assert.equal(check.status, 200);
    assert.deepEqual(problems(check.body), ['wrong_url']);
    assert.equal((check.body.expected as { url: string }).url, HOOK);
    assert.deepEqual((check.body.expected as { header_names: string[] }).header_names, ['apikey']);
    assert.equal(check.body.changed, false);

    const apply = await call('POST', keyed.id, admin);
    assert.equal(apply.status, 200);
    assert.equal(apply.body.changed, true);
    assert.deepEqual(problems(apply.body, 'after'), []);
    assert.equal(evo.webhooks.get('acme-wa')?.url, HOOK);
    const again = await call('POST', keyed.id, admin);
    assert.equal(again.body.changed, false);
    assert.equal(sim.requests(EVOLUTION_WEBHOOK_SET).length, 1);
    assert.ok(!JSON.stringify([check, apply, again]).includes('key-acme'), 'a secret was returned');
  });

  test("another tenant's admin gets 404, an agent 403, no token 401; nothing is sent to Evolution", async () => {
    const globex = await t.token('globex', { role: 'admin' });
    const agent = await t.token('acme', { role: 'agent' });
    for (const method of ['GET', 'POST']) {
      assert.equal((await call(method, secret.id, globex)).status, 404);
      assert.equal((await call(method, secret.id, agent)).status, 403);
      assert.equal((await call(method, secret.id)).status, 401);
    }
    assert.equal(sim.requests().length, 0);
  });

  test('Evolution down → 502 provider_failed; a Cloud number → 422 webhook_not_configurable', async () => {
    const admin = await t.token('acme', { role: 'admin' });
    sim.fail(undefined, { kind: 'reset' });
    const down = await call('GET', keyed.id, admin);
    assert.equal(down.status, 502);
    assert.equal(down.body.error, 'provider_failed');
    const cloud = await t.addInstance({
      tenantId: 'acme',
      provider: 'cloud',
      name: '1098765432109',
      apikey: 'tok',
    });
    const notEvo = await call('POST', cloud.id, admin);
    assert.equal(notEvo.status, 422);
    assert.equal(notEvo.body.error, 'webhook_not_configurable');
    assert.equal(notEvo.body.reason, 'not_evolution');
  });
});

describe('admin API without PUBLIC_URL', () => {
  const problems = (b: Record<string, unknown>) =>
    ((b.before as { problems: { code: string }[] }).problems ?? []).map((p) => p.code);

  test('POST → 422 public_url_missing with the fix; GET still shows Evolution with `unchecked`', async () => {
    const bare = await TestNewton.start();
    try {
      await bare.addTenant('acme');
      const i = await bare.addInstance({
        tenantId: 'acme',
        name: 'acme-wa',
        apikey: 'key-acme',
        baseUrl: sim.url,
      });
      const admin = await bare.token('acme', { role: 'admin' });
      const post = await bare.request('POST', `/api/admin/instances/${i.id}/webhook`, admin);
      assert.equal(post.status, 422);
      assert.equal(post.body.error, 'public_url_missing');
      assert.match(String(post.body.message), /PUBLIC_URL=/);
      assert.equal(sim.requests(EVOLUTION_WEBHOOK_SET).length, 0);
      const get = await bare.get(`/api/admin/instances/${i.id}/webhook`, admin);
      assert.equal(get.status, 200);
      assert.ok(problems(get.body).includes('unchecked'));
    } finally {
      await bare.close();
    }
  });
});

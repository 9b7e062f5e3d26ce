/**
 * The provider checks alone (UpstreamChecks, core's UpstreamProbe) against
 * the provider simulator: each way Evolution's webhook can be wrong gets its
 * problem code; each way of failing to ask gives state `unknown` with its
 * reason (never a throw); the Cloud API's number status from Meta's answer.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type CloudPhoneRecord, installCloudPhone } from '../../testing/provider-simulator/cloud-phone.js';
import {
  EVOLUTION_CONNECTION_STATE,
  type EvolutionInstanceSim,
  NEWTON_EVOLUTION_HOOK as HOOK,
  NEWTON_PUBLIC_URL as PUBLIC,
  startEvolutionSimulator,
  webhookRecord,
} from '../../testing/provider-simulator/evolution-instance.js';
import { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import { freePort } from '../../testing/redis.js';
import type { Instance, InstanceCheck, WebhookProblem } from '../core/index.js';
import { UpstreamChecks } from './checks.js';

let sim: ProviderSimulator;
let evo: EvolutionInstanceSim;
let metaSim: ProviderSimulator;
const phones = new Map<string, CloudPhoneRecord>();
let graphUrl: string;

const instance = (over: Partial<Instance> = {}): Instance => ({
  id: 'i-1',
  tenantId: 't1',
  provider: 'evolution',
  name: 'ventas',
  number: null,
  apikey: 'k-ventas',
  webhookSecret: null,
  baseUrl: sim.url,
  appSecret: null,
  verifyToken: null,
  createdAt: 0,
  ...over,
});

const probe = new UpstreamChecks({ publicUrl: PUBLIC, timeoutMs: 2000 });
const codes = (c: InstanceCheck) => (c.webhook?.problems ?? []).map((p) => p.code);
const problem = (c: InstanceCheck, code: string): WebhookProblem => {
  const p = c.webhook?.problems.find((x) => x.code === code);
  assert.ok(p, `no ${code} in ${JSON.stringify(c.webhook?.problems)}`);
  return p;
};

before(async () => {
  ({ sim, evo } = await startEvolutionSimulator({ ventas: 'k-ventas' }));
  metaSim = await ProviderSimulator.start();
  graphUrl = installCloudPhone(metaSim, phones).graphUrl;
});
after(async () => {
  await sim.close();
  await metaSim.close();
});
beforeEach(() => {
  sim.reset();
  evo.states.clear();
  evo.webhooks.clear();
});

describe('Evolution webhook settings', () => {
  test('right URL, enabled, the needed events: ok, and the apikey header went to every route', async () => {
    evo.webhooks.set('ventas', webhookRecord({ url: HOOK }));
    const c = await probe.check(instance());
    assert.deepEqual(c.connection, { state: 'open', reason: null, detail: null });
    assert.equal(c.webhook?.ok, true, JSON.stringify(c.webhook));
    assert.deepEqual(c.webhook?.problems, []);
    assert.equal(c.webhook?.expectedUrl, HOOK);
    for (const r of sim.requests()) assert.equal(r.headers.apikey, 'k-ventas');
    assert.deepEqual(
      sim
        .requests()
        .map((r) => r.path)
        .sort(),
      ['/chat/findMessages/ventas', '/instance/connectionState/ventas', '/webhook/find/ventas'],
    );
    // Evolution's own count of the day's messages (0 here: its store is empty).
    assert.equal(c.storedLastDay, 0);
  });

  test('not set at Evolution → not_set (blocking)', async () => {
    const c = await probe.check(instance());
    assert.deepEqual(codes(c), ['not_set']);
    assert.equal(problem(c, 'not_set').blocking, true);
    assert.equal(c.webhook?.current, null);
    assert.equal(c.webhook?.ok, false);
  });

  test('URL elsewhere → wrong_url naming both URLs; a ?token= in it is redacted', async () => {
    evo.webhooks.set('ventas', webhookRecord({ url: 'https://old-crm.example.com/hook?token=s3cr3t' }));
    const c = await probe.check(instance());
    assert.deepEqual(codes(c), ['wrong_url']);
    const p = problem(c, 'wrong_url');
    assert.equal(p.blocking, true);
    assert.match(p.detail, /old-crm\.example\.com\/hook/);
    assert.ok(p.detail.includes(HOOK));
    assert.ok(!JSON.stringify(c).includes('s3cr3t'), 'the token leaked');
  });

  test('MESSAGES_UPSERT off → missing_event (blocking); the other needed events are non-blocking', async () => {
    evo.webhooks.set('ventas', webhookRecord({ url: HOOK, events: ['QRCODE_UPDATED'] }));
    const c = await probe.check(instance());
    const missing = (c.webhook?.problems ?? []).filter((p) => p.code === 'missing_event');
    assert.deepEqual(
      missing.map((p) => [p.event, p.blocking]),
      [
        ['MESSAGES_UPSERT', true],
        ['MESSAGES_UPDATE', false],
        ['SEND_MESSAGE', false],
        ['CONNECTION_UPDATE', false],
      ],
    );
  });

  test('disabled → disabled (blocking)', async () => {
    evo.webhooks.set('ventas', webhookRecord({ url: HOOK, enabled: false, events: [] }));
    const c = await probe.check(instance());
    assert.deepEqual(codes(c), ['disabled']);
    assert.equal(problem(c, 'disabled').blocking, true);
  });

  test("by-events form with Newton's URL, a ?token= URL, and enabled with no events (= all) are all right", async () => {
    for (const row of [
      webhookRecord({ url: HOOK, webhookByEvents: true }),
      webhookRecord({ url: `${HOOK}/?token=abc` }),
      webhookRecord({ url: HOOK, events: [] }),
    ]) {
      evo.webhooks.set('ventas', row);
      const c = await probe.check(instance());
      assert.deepEqual(c.webhook?.problems, [], JSON.stringify(row));
    }
  });

  test('without PUBLIC_URL the URL is not judged: unchecked, not blocking; the rest still is', async () => {
    const blind = new UpstreamChecks({ publicUrl: undefined, timeoutMs: 2000 });
    evo.webhooks.set(
      'ventas',
      webhookRecord({ url: 'https://anywhere.example.com', events: ['SEND_MESSAGE'] }),
    );
    const c = await blind.check(instance());
    assert.equal(c.webhook?.expectedUrl, null);
    const p = problem(c, 'unchecked');
    assert.equal(p.blocking, false);
    assert.match(p.detail, /PUBLIC_URL/);
    assert.ok(!codes(c).includes('wrong_url'));
    assert.ok(codes(c).includes('missing_event'));
  });
});

describe('Evolution session state', () => {
  test('open, connecting and close as Evolution reports them; no state (not loaded) → unknown', async () => {
    for (const s of ['open', 'connecting', 'close'] as const) {
      evo.states.set('ventas', s);
      assert.equal((await probe.check(instance())).connection.state, s);
    }
    evo.states.set('ventas', null);
    const c = await probe.check(instance());
    assert.equal(c.connection.state, 'unknown');
    assert.equal(c.connection.reason, 'instance_not_loaded');
  });

  test('an instance Evolution does not have (404) → close, instance_missing', async () => {
    const c = await probe.check(instance({ name: 'ghost' }));
    assert.equal(c.connection.state, 'close');
    assert.equal(c.connection.reason, 'instance_missing');
    assert.match(String(c.connection.detail), /no instance "ghost"/);
    assert.deepEqual(codes(c), ['unchecked']);
  });

  test('a refused API key (401) → unknown, provider_unauthorized; the webhook is unchecked', async () => {
    const c = await probe.check(instance({ apikey: 'wrong' }));
    assert.equal(c.connection.state, 'unknown');
    assert.equal(c.connection.reason, 'provider_unauthorized');
    assert.equal(c.webhook?.problems[0]?.code, 'unchecked');
    assert.equal(c.webhook?.problems[0]?.blocking, false);
  });

  test('provider down (closed port) → unknown, provider_unreachable', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const c = await probe.check(instance({ baseUrl: closed }));
    assert.equal(c.connection.state, 'unknown');
    assert.equal(c.connection.reason, 'provider_unreachable');
  });

  test('slower than the time limit → unknown, provider_timeout', async () => {
    const quick = new UpstreamChecks({ publicUrl: PUBLIC, timeoutMs: 150 });
    sim.fail(EVOLUTION_CONNECTION_STATE, { kind: 'timeout' });
    const c = await quick.check(instance());
    assert.equal(c.connection.state, 'unknown');
    assert.equal(c.connection.reason, 'provider_timeout');
    assert.match(String(c.connection.detail), /150 ms/);
  });

  test('a 500 → unknown, provider_error; no base URL → unknown, no_provider_url, no webhook check', async () => {
    sim.fail(EVOLUTION_CONNECTION_STATE, { kind: 'status', status: 500, body: { status: 500 } });
    const c = await probe.check(instance());
    assert.equal(c.connection.reason, 'provider_error');
    const none = await probe.check(instance({ baseUrl: null }));
    assert.deepEqual(none.connection.state, 'unknown');
    assert.equal(none.connection.reason, 'no_provider_url');
    assert.equal(none.webhook, null);
  });
});

describe('Cloud API number', () => {
  const cloud = (over: Partial<Instance> = {}) =>
    instance({ provider: 'cloud', name: '1098765432101', apikey: 'EAAG-token', baseUrl: graphUrl, ...over });

  test('CONNECTED → open, with the quality rating; another status → close with it; no webhook check', async () => {
    phones.set('1098765432101', { token: 'EAAG-token', status: 'CONNECTED', quality: 'YELLOW' });
    const open = await probe.check(cloud());
    assert.equal(open.connection.state, 'open');
    assert.equal(open.phone?.quality_rating, 'YELLOW');
    assert.equal(open.phone?.status, 'CONNECTED');
    assert.equal(open.webhook, null);
    const [req] = metaSim.requests().slice(-1);
    assert.equal(req?.headers.authorization, 'Bearer EAAG-token');
    assert.match(String(req?.query.get('fields')), /quality_rating/);

    phones.set('1098765432101', { token: 'EAAG-token', status: 'FLAGGED', quality: 'RED' });
    const flagged = await probe.check(cloud());
    assert.equal(flagged.connection.state, 'close');
    assert.equal(flagged.connection.reason, 'number_status');
    assert.match(String(flagged.connection.detail), /FLAGGED.*RED/);
  });

  test('a bad token (190) → close, token_invalid (as a refused send says); an unknown id (100) → close, wrong_phone_number_id', async () => {
    phones.set('1098765432101', { token: 'EAAG-token' });
    const bad = await probe.check(cloud({ apikey: 'EAAG-stale-xyz' }));
    assert.equal(bad.connection.state, 'close');
    assert.equal(bad.connection.reason, 'token_invalid');
    assert.match(String(bad.connection.detail), /create a new access token/);
    assert.ok(!JSON.stringify(bad).includes('EAAG-stale-xyz'), 'the token leaked');
    const wrong = await probe.check(cloud({ name: '555' }));
    assert.equal(wrong.connection.state, 'close');
    assert.equal(wrong.connection.reason, 'wrong_phone_number_id');
  });
});

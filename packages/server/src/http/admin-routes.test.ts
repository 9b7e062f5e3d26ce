/**
 * `GET /api/admin/diagnostics` and `POST /api/admin/diagnostics/probe`: admin
 * role only, one tenant's view only, never a secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addCloudNumber } from '../../testing/cloud-node.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';

let newton: TestNewton;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('acme');
  await newton.addInstance({
    tenantId: 'acme',
    name: 'acme-wa',
    number: '573014165044',
    apikey: 'acme-secret-key',
    webhookSecret: 'acme-url-secret',
  });
  await newton.addTenant('globex');
  await newton.addInstance({ tenantId: 'globex', name: 'globex-wa', apikey: 'globex-secret-key' });
  // An unknown instance that carries acme's number: it shows in acme's report, not in globex's.
  await newton.evolution(upsertBody({ instance: 'acme-old', sender: '573014165044', apikey: 'x' }));
});
after(() => newton.close());

/** A socket of the tenant also on the opt-in `diagnostics` channel (where probes are heard). */
async function diagnosticsSocket(tenant: string): Promise<TestSocket> {
  const s = await newton.connect(tenant);
  s.send({ type: 'subscribe', channels: ['diagnostics'] });
  await s.next((f) => f.type === 'subscribed');
  return s;
}
const probeEvent = (f: Frame) => f.event as Record<string, unknown> & { type: string };
/** No frame mentioning `id` reached `s`: frames queued before its pong would have arrived first. */
async function nothingFor(s: TestSocket, id: string): Promise<void> {
  const from = s.frames.length;
  s.send({ type: 'ping', id: 'after-probe' });
  await s.next((f) => f.type === 'pong' && f.id === 'after-probe', 5000, from);
  assert.ok(!s.frames.some((f) => JSON.stringify(f).includes(id)), 'the probe stayed off this socket');
}
const admin = (tenant: string | string[]) => newton.token(tenant, { role: 'admin', user: 'boss' });
const post = async (path: string, token?: string) => {
  const res = await fetch(`${newton.url}${path}`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('admin diagnostics API', () => {
  test('an admin of the tenant gets every server-side hop, with evidence and no secret', async () => {
    const res = await newton.get('/api/admin/diagnostics?tenant=acme', await admin('acme'));
    assert.equal(res.status, 200);
    const body = res.body as Record<string, unknown> & {
      hops: { id: string; ok: boolean; status: string }[];
    };
    assert.equal(body.tenant_id, 'acme');
    assert.equal(body.node, 'test-node');
    assert.ok(!Number.isNaN(Date.parse(String(body.checked_at))));
    assert.deepEqual(
      body.hops.map((h) => h.id),
      ['tenant', 'instances', 'upstream', 'webhooks', 'unroutable', 'bus', 'sockets'],
    );
    assert.deepEqual(body.instances, [
      {
        provider: 'evolution',
        name: 'acme-wa',
        number: '+573014165044',
        apikey_set: true,
        webhook_secret_set: true,
      },
    ]);
    const unroutable = body.unroutable as { instance_name: string; outcome: string; reason: string }[];
    assert.equal(unroutable.length, 1);
    assert.equal(unroutable[0]?.instance_name, 'acme-old');
    assert.match(String(unroutable[0]?.reason), /is the number of instance "acme-wa" \(tenant acme\)/);
    assert.deepEqual(body.bus, {
      kind: 'memory',
      ok: true,
      round_trip_ms: body.bus && (body.bus as { round_trip_ms: number }).round_trip_ms,
      error: null,
      nodes: ['test-node'],
    });
    const text = JSON.stringify(body);
    for (const secret of ['acme-secret-key', 'acme-url-secret']) assert.ok(!text.includes(secret));
    // The unroutable webhook fails the report; no socket connected is only worth a look (a quiet night).
    assert.equal(body.ok, false);
    assert.deepEqual(
      body.hops.filter((h) => !h.ok).map((h) => h.id),
      ['unroutable'],
    );
    assert.equal(body.hops.find((h) => h.id === 'sockets')?.status, 'warn');
  });

  test('sockets are reported per node with users, channels and the last frame', async () => {
    const s = await newton.connect('acme', { token: await newton.token('acme', { user: 'ana' }) });
    s.send({ type: 'ping' });
    await s.waitFor('pong');
    const res = await newton.get('/api/admin/diagnostics?tenant=acme', await admin('acme'));
    const sockets = res.body.sockets as {
      node: string;
      count: number;
      users: string[];
      channels: Record<string, number>;
      last_frame_at: string;
    }[];
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0]?.node, 'test-node');
    assert.equal(sockets[0]?.count, 1);
    assert.deepEqual(sockets[0]?.users, ['ana']);
    assert.deepEqual(sockets[0]?.channels, {
      messages: 1,
      leads: 1,
      conversations: 1,
      instances: 1,
      diagnostics: 0,
      presence: 0,
    });
    assert.ok(Date.parse(String(sockets[0]?.last_frame_at)) > Date.now() - 60_000);
    s.close();
  });

  test('tenant isolation: no token 401, agent 403, an admin of another tenant 404', async () => {
    assert.equal((await newton.get('/api/admin/diagnostics?tenant=acme')).status, 401);
    const agent = await newton.get('/api/admin/diagnostics?tenant=acme', await newton.token('acme'));
    assert.equal(agent.status, 403);
    assert.equal(agent.body.error, 'forbidden');
    const other = await newton.get('/api/admin/diagnostics?tenant=acme', await admin('globex'));
    assert.equal(other.status, 404);
    assert.equal(other.body.error, 'not_found');
    // The same answer as for a tenant that does not exist at all.
    const ghost = await newton.get('/api/admin/diagnostics?tenant=ghost', await admin('globex'));
    assert.deepEqual([ghost.status, ghost.body], [other.status, { ...other.body }]);
    // globex's own report does not show acme's unroutable webhook.
    const mine = await newton.get('/api/admin/diagnostics?tenant=globex', await admin('globex'));
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.unroutable, []);
    // A token naming both tenants may ask for either.
    assert.equal(
      (await newton.get('/api/admin/diagnostics?tenant=acme', await admin(['globex', 'acme']))).status,
      200,
    );
    assert.equal((await newton.get('/api/admin/diagnostics', await admin('acme'))).status, 400);
  });

  test('the probe goes through the real webhook path with the stored credentials; isolation holds', async () => {
    assert.equal((await post('/api/admin/diagnostics/probe?tenant=acme')).status, 401);
    assert.equal(
      (await post('/api/admin/diagnostics/probe?tenant=acme', await newton.token('acme'))).status,
      403,
    );
    assert.equal((await post('/api/admin/diagnostics/probe?tenant=acme', await admin('globex'))).status, 404);

    const s = await newton.connect('acme');
    const d = await diagnosticsSocket('acme');
    const res = await post('/api/admin/diagnostics/probe?tenant=acme', await admin('acme'));
    assert.equal(res.status, 200);
    assert.equal(res.body.ok, true, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'accepted');
    assert.equal(res.body.instance, 'acme-wa');
    assert.match(String(res.body.trace_id), /^probe-/);
    assert.ok(!JSON.stringify(res.body).includes('acme-url-secret'));
    // Only the diagnostics socket hears the probe; its lead is marked too.
    const lead = await d.next((f) => f.type === 'probe_event' && probeEvent(f).type === 'lead_created');
    assert.equal(probeEvent(lead).probe, true);
    const ev = await d.next((f) => f.type === 'probe_event' && probeEvent(f).type === 'new_message');
    const message = probeEvent(ev).message as { id: string; probe?: boolean };
    assert.equal(message.id, res.body.message_id);
    assert.equal(message.probe, true);
    await nothingFor(s, String(res.body.message_id));
    // Probes stay out of the inbox lists.
    const list = await newton.get('/api/conversations', await newton.token('acme'));
    assert.deepEqual(list.body.items, []);

    // A tenant without an Evolution instance: answered, not thrown.
    await newton.addTenant('empty');
    const none = await post('/api/admin/diagnostics/probe?tenant=empty', await admin('empty'));
    assert.equal(none.status, 200);
    assert.equal(none.body.ok, false);
    assert.match(String(none.body.reason), /no evolution instance/);
  });

  test('a Cloud-only tenant is probed through a signed Cloud webhook; isolation holds', async () => {
    await newton.addTenant('cloudy');
    await addCloudNumber(newton, {
      tenantId: 'cloudy',
      phoneNumberId: '301234567890123',
      accessToken: 'EAAG-cloudy-access-token',
      appSecret: 'cloudy-app-secret-1f2e',
    });
    const s = await diagnosticsSocket('cloudy');
    const acme = await diagnosticsSocket('acme');
    assert.equal((await post('/api/admin/diagnostics/probe?tenant=cloudy', await admin('acme'))).status, 404);
    const res = await post(
      '/api/admin/diagnostics/probe?tenant=cloudy&instance=301234567890123',
      await admin('cloudy'),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.ok, true, JSON.stringify(res.body));
    assert.deepEqual([res.body.outcome, res.body.instance], ['accepted', '301234567890123']);
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes('cloudy-app-secret') && !text.includes('EAAG-cloudy'), 'no secret');
    const ev = await s.next((f) => f.type === 'probe_event' && probeEvent(f).type === 'new_message');
    const message = probeEvent(ev).message as { id: string; probe?: boolean; provider: string };
    assert.deepEqual([message.id, message.probe, message.provider], [res.body.message_id, true, 'cloud']);
    // It went through the real signature check: a Cloud receipt under the probe's trace id.
    const receipts = await newton.node.store.receipts.list({ limit: 1000 });
    const receipt = receipts.find((r) => r.traceId === res.body.trace_id);
    assert.deepEqual([receipt?.provider, receipt?.outcome], ['cloud', 'accepted']);
    const list = await newton.get('/api/conversations', await newton.token('cloudy'));
    assert.deepEqual(list.body.items, []);
    await nothingFor(acme, String(res.body.message_id));

    // A number without an app secret cannot be signed for: answered, not thrown.
    await newton.addTenant('unsigned');
    await addCloudNumber(newton, {
      tenantId: 'unsigned',
      phoneNumberId: '301234567890999',
      accessToken: 'EAAG-unsigned',
      appSecret: null,
    });
    const none = await post('/api/admin/diagnostics/probe?tenant=unsigned', await admin('unsigned'));
    assert.deepEqual([none.status, none.body.ok], [200, false]);
    assert.match(String(none.body.reason), /no app secret/);
  });

  test('an outside webhook cannot pass itself off as a probe', async () => {
    const s = await newton.connect('acme');
    const res = await newton.evolution(
      upsertBody({ instance: 'acme-wa', sender: '573014165044', apikey: 'acme-secret-key' }),
      {
        headers: { 'x-request-id': 'probe-00000000-0000-0000-0000-000000000000' },
      },
    );
    assert.equal(res.status, 200);
    const lead = await s.next((f) => f.type === 'lead_created');
    assert.equal(lead.probe, undefined);
    const ev = await s.next((f) => f.type === 'new_message');
    assert.equal((ev.message as { probe?: boolean }).probe, undefined);
    const list = await newton.get('/api/conversations', await newton.token('acme'));
    assert.equal((list.body.items as unknown[]).length, 1);
  });

  test("acme's number accepted by globex's instance (no number set): acme's admin sees where, globex's nothing of acme", async () => {
    // globex-wa has no number configured, so Newton accepts acme's account on it.
    const res = await newton.evolution(
      upsertBody({ instance: 'globex-wa', sender: '573014165044', apikey: 'globex-secret-key' }),
    );
    assert.equal(res.status, 200);
    const mine = await newton.get('/api/admin/diagnostics?tenant=acme', await admin('acme'));
    const hops = mine.body.hops as {
      id: string;
      status: string;
      detail: string;
      evidence: Record<string, unknown>;
    }[];
    const instances = hops.find((h) => h.id === 'instances');
    assert.equal(instances?.status, 'fail');
    assert.match(
      String(instances?.detail),
      /1 webhook\(s\) from this tenant's number \+573014165044 \(instance "acme-wa"\) were accepted by instance "globex-wa" of tenant globex/,
    );
    const taken = instances?.evidence.number_accepted_elsewhere as Record<string, unknown>[];
    assert.deepEqual(
      taken.map((t) => [t.other_instance, t.other_tenant, t.webhooks]),
      [['globex-wa', 'globex', 1]],
    );
    // globex's admin: its instances hop holds, and no word of acme or its number.
    const theirs = await newton.get('/api/admin/diagnostics?tenant=globex', await admin('globex'));
    assert.equal(theirs.status, 200);
    const theirHops = theirs.body.hops as { id: string; status: string }[];
    assert.notEqual(theirHops.find((h) => h.id === 'instances')?.status, 'fail');
    const text = JSON.stringify(theirs.body);
    assert.ok(!text.includes('acme') && !text.includes('573014165044'), text);
    assert.equal((await newton.get('/api/admin/diagnostics?tenant=acme', await admin('globex'))).status, 404);
  });
});

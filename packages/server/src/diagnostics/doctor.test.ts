/**
 * `newton doctor` against a running node: it passes on a healthy tenant and,
 * for each fault of the founding story, names the failing hop with the right
 * hint — and only that hop.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli-runner.js';
import { cloudBody, messagesValue } from '../../testing/cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook } from '../../testing/cloud-node.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton, type TestSocket } from '../../testing/harness.js';
import { installCloudPhone } from '../../testing/provider-simulator/cloud-phone.js';
import { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import { freePort } from '../../testing/redis.js';
import type { DoctorReport } from './doctor-client.js';

const BIN = fileURLToPath(new URL('../../bin/newton.js', import.meta.url));
let newton: TestNewton;
const sockets: TestSocket[] = [];

/** Runs `newton doctor` in this process (fast); returns its exit code and output. */
const doctor = (...args: string[]) => runCli(['doctor', ...args], newton.env());

async function doctorJson(tenant: string): Promise<{ code: number; report: DoctorReport }> {
  const r = await doctor(tenant, '--url', newton.url, '--json');
  return { code: r.code, report: JSON.parse(r.out) as DoctorReport };
}

const failing = (report: DoctorReport) => report.hops.filter((h) => !h.ok).map((h) => h.id);
const HOPS = [
  'server',
  'tenant',
  'instances',
  'upstream',
  'webhooks',
  'unroutable',
  'bus',
  'sockets',
  'probe',
];

/** What Evolution's `connection.update` says of a connected session, recorded as the webhook path does. */
async function connected(tenantId: string, instanceId: string): Promise<void> {
  const change = { tenantId, instanceId, state: 'open', at: Date.now(), source: 'webhook' } as const;
  await newton.node.instanceStates.record(change, `open-${instanceId}`);
}

async function tenantWithSocket(tenant: string, instance: string, number: string, apikey: string) {
  await newton.addTenant(tenant);
  const inst = await newton.addInstance({ tenantId: tenant, name: instance, number, apikey });
  await connected(tenant, inst.id);
  sockets.push(await newton.connect(tenant));
}

/** No frame of a probe reached the socket (the probe's events go to the `diagnostics` channel only). */
const noProbeFrame = (s: TestSocket) =>
  assert.deepEqual(
    s.frames.filter((f) => f.type === 'probe_event' || JSON.stringify(f).includes('"probe":true')),
    [],
  );

before(async () => {
  newton = await TestNewton.start();
  await tenantWithSocket('acme', 'acme-wa', '573014165044', 'k-acme');
  // Its number is also configured for another tenant's instance, whose webhooks then go there.
  await tenantWithSocket('misrouted', 'mis-wa', '573020000001', 'k-mis');
  await newton.addTenant('thief');
  await newton.addInstance({
    tenantId: 'thief',
    name: 'thief-wa',
    number: '573020000001',
    apikey: 'k-thief',
  });
  // Evolution calls its instance by another name.
  await tenantWithSocket('lost', 'lost-wa', '573020000002', 'k-lost');
  // Evolution sends the wrong API key.
  await tenantWithSocket('badkey', 'bad-wa', '573020000003', 'right-key');
  // Nobody connected.
  await newton.addTenant('nosock');
  await newton.addInstance({ tenantId: 'nosock', name: 'ns-wa', number: '573020000004', apikey: 'k-ns' });
  // Connected, but unsubscribed from messages.
  await tenantWithSocket('deaf', 'deaf-wa', '573020000005', 'k-deaf');
  const deaf = sockets.at(-1) as TestSocket;
  deaf.send({ type: 'unsubscribe', channels: ['messages'] });
  await deaf.waitFor('unsubscribed');
  // Its account is connected to another tenant's instance that has no number: accepted there.
  await tenantWithSocket('taken', 'taken-wa', '573020000006', 'k-taken');
  await newton.addTenant('taker');
  await newton.addInstance({ tenantId: 'taker', name: 'taker-wa', apikey: 'k-taker' });
  sockets.push(await newton.connect('taker'));

  const post = async (body: unknown, status: number) =>
    assert.equal((await newton.evolution(body)).status, status);
  await post(upsertBody({ instance: 'acme-wa', sender: '573014165044', apikey: 'k-acme' }), 200);
  await post(upsertBody({ instance: 'thief-wa', sender: '573020000001', apikey: 'k-thief' }), 200);
  await post(upsertBody({ instance: 'lost-wa-2', sender: '573020000002', apikey: 'k-lost' }), 202);
  await post(upsertBody({ instance: 'bad-wa', sender: '573020000003', apikey: 'wrong-key' }), 401);
  for (const id of ['TAKEN0001', 'TAKEN0002']) {
    await post(upsertBody({ instance: 'taker-wa', sender: '573020000006', apikey: 'k-taker', id }), 200);
  }
});
after(() => newton.close());

describe('newton doctor', () => {
  test('a healthy tenant: every hop passes, exit 0, and the probe stays out of the inbox', async () => {
    const agent = sockets[0] as TestSocket;
    const r = await doctor('acme', '--url', newton.url);
    assert.equal(r.code, 0, r.out + r.err);
    for (const id of HOPS) {
      assert.match(r.out, new RegExp(`^✔ ${id}\\s`, 'm'), `hop ${id} passes:\n${r.out}`);
    }
    assert.match(r.out, /webhook → new_message on a fresh socket in [\d.]+ ms/);
    assert.match(r.out, /^✔ upstream +Provider connection and webhook: "acme-wa" open since 20/m);
    assert.match(r.out, /^OK: all 9 hops pass$/m);

    // The agent's socket (default channels) never saw the probe; REST lists have no trace of it.
    const res = await newton.evolution(
      upsertBody({ instance: 'acme-wa', sender: '573014165044', apikey: 'k-acme', id: 'AFTERPROBE01' }),
    );
    await agent.next((f) => (f.message as { id?: string } | undefined)?.id === res.body.message_id);
    noProbeFrame(agent);
    const token = await newton.token('acme');
    const list = await newton.get('/api/conversations', token);
    const items = list.body.items as { id: string; lead: { name: string } }[];
    assert.equal(items.length, 1);
    assert.ok(items.every((c) => c.lead.name !== 'Newton probe'));
  });

  test('a Cloud-only tenant: the probe goes through its signed Cloud webhook and every hop passes', async (t) => {
    // Meta's phone-number node answers the upstream check: CONNECTED.
    const meta = await ProviderSimulator.start();
    t.after(() => meta.close());
    const phones = new Map([['301234567890123', { token: 'EAAG-doctor-cloud' }]]);
    const { graphUrl } = installCloudPhone(meta, phones);
    await newton.addTenant('cloudy');
    const number = await addCloudNumber(newton, {
      tenantId: 'cloudy',
      phoneNumberId: '301234567890123',
      accessToken: 'EAAG-doctor-cloud',
      appSecret: 'doctor-cloud-secret',
      baseUrl: graphUrl,
    });
    await connected('cloudy', number.id);
    const agent = await newton.connect('cloudy');
    sockets.push(agent);
    const hook = await postCloudWebhook(
      newton,
      cloudBody(messagesValue({ phoneNumberId: '301234567890123' })),
      'doctor-cloud-secret',
    );
    assert.equal(hook.body.outcome, 'accepted');
    const { code, report } = await doctorJson('cloudy');
    assert.equal(code, 0, JSON.stringify(report.hops.filter((h) => !h.ok)));
    assert.deepEqual(failing(report), []);
    assert.equal(report.probe_result?.ok, true);
    assert.equal(report.probe_result?.instance, '301234567890123');
    const after = await postCloudWebhook(
      newton,
      cloudBody(messagesValue({ phoneNumberId: '301234567890123', id: 'wamid.AFTERPROBE' })),
      'doctor-cloud-secret',
    );
    await agent.next((f) => (f.message as { id?: string } | undefined)?.id === after.body.message_id);
    noProbeFrame(agent);
    assert.ok(!JSON.stringify(report).includes('doctor-cloud-secret'), 'no secret in the report');
  });

  test('--json gives the report with the hops in order', async () => {
    const { code, report } = await doctorJson('acme');
    assert.equal(code, 0);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.hops.map((h) => h.id),
      HOPS,
    );
    assert.deepEqual(
      report.upstream?.map((u) => [u.instance, u.state, u.state_source, u.findings]),
      [['acme-wa', 'open', 'recorded', []]],
    );
    assert.equal(report.sockets?.[0]?.count, 1);
    assert.equal(report.probe_result?.outcome, 'accepted');
    // Webhooks seen per instance: count, last time, outcomes (probes left out).
    const seen = report.webhooks?.find((w) => w.instance_name === 'acme-wa');
    assert.ok(seen && seen.count >= 1 && (seen.outcomes.accepted ?? 0) >= 1, JSON.stringify(report.webhooks));
    assert.ok(Date.parse(String(seen.last_at)) > Date.now() - 60_000);
    assert.equal(
      seen.count,
      Object.values(seen.outcomes).reduce((a, b) => a + b, 0),
    );
    assert.ok(!JSON.stringify(report).includes('k-acme'), 'no secret in the report');
  });

  const faults: [string, string, RegExp, RegExp][] = [
    [
      'misrouted',
      'instances',
      /number \+573020000001 of instance "mis-wa" is also the number of instance "thief-wa" of tenant thief: 1 webhook/,
      /newton instance remove --provider evolution --instance thief-wa/,
    ],
    [
      'taken',
      'instances',
      /2 webhook\(s\) from this tenant's number \+573020000006 \(instance "taken-wa"\) were accepted by instance "taker-wa" of tenant taker in the last 24 h \(last at 20/,
      /newton instance remove --provider evolution --instance taker-wa, then newton instance add taken .*set --number on instance "taker-wa"/,
    ],
    [
      'lost',
      'unroutable',
      /webhook\(s\) for unknown instance "lost-wa-2" carry this tenant's number \+573020000002 \(instance "lost-wa"\)/,
      /Evolution calls the instance "lost-wa-2" but Newton knows it as "lost-wa"/,
    ],
    [
      'badkey',
      'webhooks',
      /1 webhook\(s\) for instance "bad-wa" rejected since the last accepted one: credentials do not match/,
      /wrong API key/,
    ],
    [
      'deaf',
      'sockets',
      /1 of 1 socket\(s\) are not subscribed to "messages"/,
      /"type":"subscribe","channels":\["messages"\]/,
    ],
  ];
  for (const [tenant, hopId, detail, hint] of faults) {
    test(`fault in ${tenant}: doctor names the ${hopId} hop, with its hint`, async () => {
      const r = await doctor(tenant, '--url', newton.url);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, new RegExp(`^✘ ${hopId}\\s`, 'm'));
      assert.match(r.out, detail);
      assert.match(r.out, hint);
      assert.match(r.out, new RegExp(`^FAIL: the "${hopId}" hop fails`, 'm'));
      const { code, report } = await doctorJson(tenant);
      assert.equal(code, 1, '--json exits 1 too');
      assert.equal(report.ok, false);
      assert.deepEqual(failing(report), [hopId], 'only that hop fails');
    });
  }

  test('nobody connected: the sockets hop is worth a look, not a failure (the probe proves delivery); exit 0', async () => {
    const r = await doctor('nosock', '--url', newton.url);
    assert.equal(r.code, 0, r.out);
    assert.match(
      r.out,
      /^! sockets\s+Sockets connected: no socket of tenant nosock is connected .*no agent is online/m,
    );
    assert.match(r.out, /fix: fine when nobody is working; .*\/ws\/conversations\/nosock\?token=/);
    assert.match(r.out, /^✔ probe\s/m);
    assert.match(r.out, /^OK: \d+ hops pass, \d+ worth a look \(.*sockets.*\)$/m);
    const { code, report } = await doctorJson('nosock');
    assert.equal(code, 0);
    assert.equal(report.hops.find((h) => h.id === 'sockets')?.status, 'warn');
    assert.deepEqual(failing(report), []);
  });

  test("number accepted by another tenant's instance that has no number: the owner is told, the other tenant is not", async () => {
    const { report } = await doctorJson('taken');
    const instances = report.hops.find((h) => h.id === 'instances');
    const taken = (instances?.evidence.number_accepted_elsewhere ?? []) as Record<string, unknown>[];
    assert.ok(Date.parse(String(taken[0]?.last_at)) > Date.now() - 60_000, JSON.stringify(taken));
    assert.deepEqual(
      taken.map(({ last_at, ...rest }) => rest),
      [
        {
          number: '+573020000006',
          instance: 'taken-wa',
          other_instance: 'taker-wa',
          other_tenant: 'taker',
          webhooks: 2,
        },
      ],
    );
    // The tenant whose instance took them passes, and hears nothing of the other tenant.
    const taker = await doctorJson('taker');
    assert.equal(taker.code, 0, JSON.stringify(taker.report.hops.filter((h) => !h.ok)));
    assert.ok(!JSON.stringify(taker.report).includes('taken'), 'no word of tenant taken');
    assert.ok(!JSON.stringify(taker.report).includes('573020000006'), "no word of taken's number");
  });

  test('the server not reachable is a hop of its own, with a hint', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await doctor('acme', '--url', closed);
    assert.equal(r.code, 1);
    assert.ok(
      r.out.includes(`✘ server  Server reachable: cannot reach the server at ${closed} (ECONNREFUSED)`),
      r.out,
    );
    assert.match(r.out, /fix: start it \(npx newton start\) or point doctor at it with --url/);
    const json = await doctor('acme', '--url', closed, '--json');
    assert.equal(json.code, 1);
    const report = JSON.parse(json.out) as DoctorReport;
    assert.deepEqual([report.ok, failing(report)[0]], [false, 'server']);
  });

  test('an unknown tenant fails the tenant hop; misuse exits 2', async () => {
    const r = await doctor('ghost', '--url', newton.url);
    assert.equal(r.code, 1);
    assert.match(r.out, /^✘ tenant\s+Tenant exists: tenant ghost does not exist/m);
    assert.match(r.out, /newton tenant add ghost/);
    const misuse = await doctor('--timeout', 'x', 'acme');
    assert.equal(misuse.code, 2);
    assert.match(misuse.err, /--timeout must be/);
  });

  test('newton trace reads the database: receipt, message and events; an unroutable one by trace id', async () => {
    const res = await newton.evolution(
      upsertBody({ instance: 'acme-wa', sender: '573014165044', apikey: 'k-acme', id: 'TRACEME0001' }),
      { headers: { 'x-request-id': 'trace-db-only-1' } },
    );
    assert.equal(res.status, 200);
    const first = await runCli(['trace', 'TRACEME0001'], newton.env());
    let out = first.out;
    assert.equal(first.code, 0, out);
    assert.match(
      out,
      /^message .* \(evolution TRACEME0001; tenant acme; instance acme-wa; inbound text, delivered\)$/m,
    );
    assert.match(out, /^trace trace-db-only-1$/m);
    assert.match(
      out,
      /^✔ received .* database +receipt accepted: evolution messages\.upsert instance acme-wa → tenant acme/m,
    );
    assert.match(
      out,
      /^✔ stored .* database +message .* stored for tenant acme .*; events \d+ new_message$/m,
    );

    const lost = await newton.evolution(upsertBody({ instance: 'nowhere-wa' }), {
      headers: { 'x-request-id': 'trace-unroutable-1' },
    });
    assert.equal(lost.status, 202);
    const second = await runCli(['trace', 'trace-unroutable-1'], newton.env());
    out = second.out;
    assert.equal(second.code, 0);
    assert.match(
      out,
      /^✘ unroutable .* database +receipt unroutable: evolution messages\.upsert instance nowhere-wa → tenant - \(unknown instance "nowhere-wa"\)/m,
    );
  });

  test('as a real process (NEWTON_URL from the environment)', async () => {
    const res = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'doctor', 'acme'], { env: newton.env() });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('exit', (code) => resolve({ code: code ?? 1, out }));
    });
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /^OK: all 9 hops pass$/m);
  });
});

/**
 * The probe kept out of agents' way (issue #12): its events reach only
 * sockets subscribed to the opt-in `diagnostics` channel, take no seq (a
 * default socket sees no frame of it and no gap: its next real event is
 * seq + 1), never show in REST lists, and its rows are gone after the check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';
import { syntheticInbound } from '../providers/index.js';
import { PROBE_LID, PROBE_NAME } from './probe.js';

let newton: TestNewton;
const SENDER = '573014165044';

const isProbeFrame = (f: Frame) => f.type === 'probe_event' || JSON.stringify(f).includes('"probe":true');
const probeMessage = (f: Frame) =>
  f.type === 'probe_event' && (f.event as { type?: string }).type === 'new_message';

async function diagnosticsSocket(tenant: string): Promise<TestSocket> {
  const s = await newton.connect(tenant);
  s.send({ type: 'subscribe', channels: ['diagnostics'] });
  const ok = await s.next((f) => f.type === 'subscribed');
  assert.deepEqual(ok.channels, ['messages', 'leads', 'conversations', 'instances', 'diagnostics']);
  return s;
}

/** A real customer message; returns its message id. */
async function customerWrites(id: string): Promise<string> {
  const res = await newton.evolution(upsertBody({ instance: 'acme-wa', sender: SENDER, apikey: 'k', id }));
  assert.equal(res.status, 200);
  return String(res.body.message_id);
}

/** Rows a probe could leave: its messages, and leads with the probe's LID. */
async function probeRows(tenant: string): Promise<{ messages: number; leads: number }> {
  const leads = await newton.node.store.db
    .selectFrom('leads')
    .select('id')
    .where('tenant_id', '=', tenant)
    .where('wa_lid', '=', PROBE_LID)
    .execute();
  return { messages: await newton.node.store.probes.count(tenant), leads: leads.length };
}

before(async () => {
  newton = await TestNewton.start();
  for (const t of ['acme', 'other']) {
    await newton.addTenant(t);
    await newton.addInstance({
      tenantId: t,
      name: `${t}-wa`,
      number: t === 'acme' ? SENDER : '573020000009',
      apikey: 'k',
    });
  }
  await customerWrites('FIRST0001');
});
after(() => newton.close());

describe('the probe on the diagnostics channel', () => {
  test('a default socket sees no probe frame and no seq gap; a diagnostics socket sees the probe; no rows left', async () => {
    const agent = await newton.connect('acme');
    const diag = await diagnosticsSocket('acme');
    const otherDiag = await diagnosticsSocket('other');
    const before = (await newton.node.store.admin.getTenant('acme'))?.lastSeq ?? 0;
    const established = agent.frames.find((f) => f.type === 'connection_established');
    assert.deepEqual(established?.channels, ['messages', 'leads', 'conversations', 'instances']);

    const r = await runCli(['doctor', 'acme', '--url', newton.url], newton.env());
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^✔ probe\s/m);

    // The diagnostics socket got the probe's events, marked, without a seq.
    const probe = await diag.next(probeMessage);
    const event = probe.event as { message: { probe?: boolean; id: string }; seq?: number };
    assert.equal(event.message.probe, true);
    assert.equal(probe.seq, undefined);
    assert.equal(event.seq, undefined);
    assert.match(String(probe.trace_id), /^probe-/);
    assert.equal(probe.node_id, 'test-node');
    const lead = diag.frames.find(
      (f) => f.type === 'probe_event' && (f.event as Frame).type === 'lead_created',
    );
    assert.equal((lead?.event as { probe?: boolean } | undefined)?.probe, true);

    // The tenant's log did not move; the next real event is seq + 1 on the default socket.
    assert.equal((await newton.node.store.admin.getTenant('acme'))?.lastSeq, before);
    const id = await customerWrites('AFTERPROBE1');
    const real = await agent.next((f) => f.type === 'new_message');
    assert.equal((real.message as { id: string }).id, id);
    assert.equal(real.seq, before + 1);
    assert.deepEqual(agent.frames.filter(isProbeFrame), []);
    assert.deepEqual(
      agent.events().map((e) => e.seq),
      [before + 1],
      'no event other than the real one',
    );
    // The diagnostics socket is on the default channels too: it got the real message with its seq.
    assert.equal((await diag.next((f) => f.type === 'new_message')).seq, before + 1);
    // Another tenant's diagnostics socket heard nothing of acme's probe.
    assert.deepEqual(otherDiag.frames.filter(isProbeFrame), []);

    // The probe left no rows, and REST lists never had it.
    assert.deepEqual(await probeRows('acme'), { messages: 0, leads: 0 });
    const token = await newton.token('acme');
    const convs = (await newton.get('/api/conversations', token)).body.items as { lead: { name: string } }[];
    assert.ok(convs.length > 0 && convs.every((c) => c.lead.name !== PROBE_NAME));
    const leads = (await newton.get('/api/leads', token)).body.items as { name: string }[];
    assert.ok(leads.length > 0 && leads.every((l) => l.name !== PROBE_NAME));
  });

  test('while a probe is stored (before its removal) REST lists leave it out', async () => {
    const inst = await newton.node.store.admin.findInstance('evolution', 'acme-wa');
    assert.ok(inst);
    const traceId = 'probe-during-check-1';
    newton.node.diagnostics.probes.expect(traceId, 'acme');
    const synthetic = syntheticInbound(inst, {
      from: { lid: PROBE_LID },
      text: `${PROBE_NAME} during`,
      name: PROBE_NAME,
      origin: 'newton-probe',
    });
    assert.ok(synthetic.ok);
    const res = await newton.post(synthetic.request.path, synthetic.request.body, {
      ...synthetic.request.headers,
      'x-request-id': traceId,
    });
    assert.equal(res.body.outcome, 'accepted');
    assert.deepEqual(res.body.seq, [], 'a probe takes no seq');
    assert.deepEqual(await probeRows('acme'), { messages: 1, leads: 1 });

    const token = await newton.token('acme');
    const convs = (await newton.get('/api/conversations', token)).body.items as { id: string }[];
    assert.ok(convs.every((c) => c.id !== res.body.conversation_id));
    const leads = (await newton.get('/api/leads', token)).body.items as { name: string }[];
    assert.ok(leads.every((l) => l.name !== PROBE_NAME));

    const removed = await newton.node.store.probes.remove('acme');
    assert.deepEqual(removed, { messages: 1, conversations: 1, leads: 1 });
    assert.deepEqual(await probeRows('acme'), { messages: 0, leads: 0 });
    // A real customer's rows are untouched.
    assert.ok(convs.length > 0);
    assert.equal(
      ((await newton.get('/api/conversations', token)).body.items as unknown[]).length,
      convs.length,
    );
  });

  test('diagnostics is opt-in: a bare subscribe does not add it; unsubscribe stops it', async () => {
    const s = await newton.connect('acme');
    s.send({ type: 'subscribe' });
    assert.deepEqual((await s.next((f) => f.type === 'subscribed')).channels, [
      'messages',
      'leads',
      'conversations',
      'instances',
    ]);
    s.send({ type: 'subscribe', channels: ['diagnostics'] });
    await s.next((f) => f.type === 'subscribed' && (f.channels as string[]).includes('diagnostics'));
    s.send({ type: 'unsubscribe', channels: ['diagnostics'] });
    const off = await s.next((f) => f.type === 'unsubscribed');
    assert.ok(!(off.channels as string[]).includes('diagnostics'));
    const listening = await diagnosticsSocket('acme');
    const probe = await newton.post(
      '/api/admin/diagnostics/probe?tenant=acme',
      {},
      {
        authorization: `Bearer ${await newton.token('acme', { role: 'admin' })}`,
      },
    );
    assert.equal(probe.body.ok, true, JSON.stringify(probe.body));
    await listening.next(probeMessage);
    const id = await customerWrites('AFTERPROBE2');
    await s.next((f) => (f.message as { id?: string } | undefined)?.id === id);
    assert.deepEqual(s.frames.filter(isProbeFrame), []);
    s.send({ type: 'subscribe', channels: ['diagnostic'] });
    const err = await s.next((f) => f.type === 'error');
    assert.match(String(err.message), /unknown channel "diagnostic"; channels are .*instances, diagnostics/);
  });
});

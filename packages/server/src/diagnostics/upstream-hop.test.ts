/**
 * Doctor's `upstream` hop against a running node: a number whose session is
 * not open fails doctor (naming `upstream` and the fix for its reason) until
 * it is open again; the provider's webhook settings (from the injected
 * UpstreamProbe) name what is wrong; messages recovered by backfill and a
 * number silent for far longer than usual are worth a look, not a failure.
 *
 * The UpstreamProbe here answers what each test sets: a stand-in for the
 * provider checks (upstream/), whose own tests ask the provider simulator.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';
import type {
  Instance,
  InstanceCheck,
  InstanceStateChange,
  UpstreamProbe,
  WebhookCheck,
} from '../core/index.js';
import type { DoctorReport } from './doctor-client.js';

let newton: TestNewton;
const EVENTS = ['MESSAGES_UPSERT', 'MESSAGES_UPDATE', 'CONNECTION_UPDATE'];

/** Answers each instance's check with what the test set for it (default: open, webhook right). */
class ScriptedProbe implements UpstreamProbe {
  readonly asked: string[] = [];
  constructor(private readonly answer: (i: Instance) => Partial<Omit<InstanceCheck, 'instanceId'>>) {}
  async check(instance: Instance): Promise<InstanceCheck> {
    this.asked.push(instance.name);
    return {
      instanceId: instance.id,
      connection: { state: 'open', reason: null, detail: null },
      webhook: webhookOk(),
      checkedAt: Date.now(),
      ...this.answer(instance),
    };
  }
}

const expectedUrl = () => `${newton.url}/webhooks/evolution`;
function webhookOk(): WebhookCheck {
  return {
    ok: true,
    expectedUrl: expectedUrl(),
    current: { enabled: true, url: expectedUrl(), events: EVENTS, byEvents: false },
    problems: [],
  };
}

let numbers = 0;
/** A tenant with one instance (a number of its own) and an agent's socket. */
async function tenant(id: string): Promise<Instance> {
  await newton.addTenant(id);
  const number = String(573020000100 + ++numbers);
  const inst = await newton.addInstance({ tenantId: id, name: `${id}-wa`, number, apikey: 'k' });
  await newton.connect(id);
  return inst;
}

function record(inst: Instance, change: Partial<InstanceStateChange>) {
  return newton.node.instanceStates.record(
    {
      tenantId: inst.tenantId,
      instanceId: inst.id,
      state: 'open',
      at: Date.now(),
      source: 'webhook',
      ...change,
    },
    `t-${randomUUID()}`,
  );
}

const doctor = (...args: string[]) => runCli(['doctor', ...args, '--url', newton.url], newton.env());
async function doctorJson(id: string): Promise<{ code: number; report: DoctorReport }> {
  const r = await doctor(id, '--json', '--no-probe');
  return { code: r.code, report: JSON.parse(r.out) as DoctorReport };
}
const upstreamOf = (report: DoctorReport) => report.hops.find((h) => h.id === 'upstream');

before(async () => {
  newton = await TestNewton.start();
});
after(() => newton.close());
afterEach(() => newton.node.diagnostics.useUpstream(undefined));

describe('doctor: the upstream hop', () => {
  test('connection.update close → doctor exits 1 naming upstream and the fix; open again → passes', async () => {
    const inst = await tenant('closed');
    const hook = await newton.evolution(
      upsertBody({ instance: 'closed-wa', sender: inst.number ?? '', apikey: 'k' }),
    );
    assert.equal(hook.status, 200);
    await record(inst, { state: 'close', reason: 'qr_required', detail: 'Evolution asks for a new QR scan' });
    const r = await doctor('closed');
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.out,
      /^✘ upstream +Provider connection and webhook: "closed-wa" is close \(qr_required\) since 20.*: no message can arrive/m,
    );
    assert.match(
      r.out,
      /fix: "closed-wa": open Evolution's manager and scan the QR code of instance "closed-wa" with the phone of \+573020000101/,
    );
    assert.match(r.out, /^FAIL: the "upstream" hop fails/m);
    assert.match(r.out, /^ {2}upstream closed-wa: close \(qr_required\) since /m);

    await record(inst, { state: 'open' });
    const again = await doctor('closed');
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /^✔ upstream +Provider connection and webhook: "closed-wa" open since 20/m);
    assert.match(again.out, /webhook settings not checked: instance "closed-wa" has no Evolution URL/);
    assert.match(again.out, /^OK: all 9 hops pass$/m);
  });

  test('each reason a session is down comes with its own fix', async () => {
    const inst = await tenant('reasons');
    const cases: [Partial<InstanceStateChange>, RegExp][] = [
      [
        { state: 'close', reason: 'logged_out' },
        /the phone logged this session out: open Evolution's manager and scan/,
      ],
      [{ state: 'close', reason: 'replaced' }, /another WhatsApp Web session took over this number/],
      [{ state: 'close', reason: 'token_invalid' }, /renew the access token/],
      [{ state: 'unknown', reason: 'provider_unreachable' }, /check the provider URL and apikey Newton has/],
      [{ state: 'connecting' }, /wait a moment; if it stays connecting/],
    ];
    for (const [change, fix] of cases) {
      await record(inst, change);
      const { code, report } = await doctorJson('reasons');
      const hop = upstreamOf(report);
      assert.equal(code, 1, JSON.stringify(hop));
      assert.equal(hop?.status, 'fail');
      assert.match(String(hop?.hint), fix);
      assert.deepEqual(
        report.upstream?.[0]?.findings.map((f) => f.code),
        ['not_open'],
      );
    }
  });

  const webhookFaults: [string, Partial<WebhookCheck>, RegExp, RegExp][] = [
    [
      'wrong_url',
      {
        current: {
          enabled: true,
          url: 'http://old-host:8080/webhooks/evolution',
          events: EVENTS,
          byEvents: false,
        },
        problems: [{ code: 'wrong_url', detail: 'posts to http://old-host:8080', blocking: true }],
      },
      /posts its webhook to http:\/\/old-host:8080\/webhooks\/evolution, not to http:\/\/127\.0\.0\.1:\d+\/webhooks\/evolution/,
      /set the webhook URL in Evolution's manager \(instance "hook-[a-z_]+-wa" → Webhook\) to http:\/\/127/,
    ],
    [
      'missing_event',
      {
        current: { enabled: true, url: null, events: ['CONNECTION_UPDATE'], byEvents: false },
        problems: [
          { code: 'missing_event', event: 'MESSAGES_UPSERT', detail: 'no MESSAGES_UPSERT', blocking: true },
        ],
      },
      /webhook is not subscribed to MESSAGES_UPSERT: no message is posted/,
      /turn on MESSAGES_UPSERT in the webhook events/,
    ],
    [
      'disabled',
      {
        current: { enabled: false, url: null, events: EVENTS, byEvents: false },
        problems: [{ code: 'disabled', detail: 'the webhook is off', blocking: true }],
      },
      /has its webhook disabled: nothing is posted to Newton/,
      /enable the webhook in Evolution's manager/,
    ],
  ];
  for (const [code, fault, detail, fix] of webhookFaults) {
    test(`the provider's webhook ${code}: doctor names it and its fix; fixed → passes`, async () => {
      const id = `hook-${code}`;
      await record(await tenant(id), { state: 'open' });
      let wiring: WebhookCheck = { ...webhookOk(), ok: false, ...fault };
      const probe = new ScriptedProbe(() => ({ webhook: wiring }));
      newton.node.diagnostics.useUpstream(probe);
      const r = await doctor(id, '--no-probe');
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /^✘ upstream /m);
      assert.match(r.out, detail);
      assert.match(r.out, fix);
      assert.match(r.out, new RegExp(`^ {2}upstream ${id}-wa: open .*; webhook: ${code};`, 'm'));
      const { report } = await doctorJson(id);
      assert.deepEqual(
        report.upstream?.[0]?.findings.map((f) => [f.status, f.code]),
        [['fail', code]],
      );
      assert.deepEqual(probe.asked.slice(0, 1), [`${id}-wa`]);

      wiring = webhookOk();
      const fixed = await doctor(id, '--no-probe');
      assert.equal(fixed.code, 0, fixed.out);
      assert.match(
        fixed.out,
        /^✔ upstream .*"hook-[a-z_]+-wa" open since .*; webhook points here with the events Newton needs/m,
      );
    });
  }

  test('what the provider says now wins over what Newton recorded; an event it may miss is only worth a look', async () => {
    const inst = await tenant('live');
    await record(inst, { state: 'close', reason: 'logged_out' });
    const probe = new ScriptedProbe(() => ({
      webhook: {
        ...webhookOk(),
        ok: false,
        current: { enabled: true, url: expectedUrl(), events: ['MESSAGES_UPSERT'], byEvents: false },
        problems: [
          {
            code: 'missing_event',
            event: 'CONNECTION_UPDATE',
            detail: 'no CONNECTION_UPDATE',
            blocking: false,
          },
        ],
      },
    }));
    newton.node.diagnostics.useUpstream(probe);
    const { code, report } = await doctorJson('live');
    assert.equal(code, 0, JSON.stringify(upstreamOf(report)));
    assert.equal(upstreamOf(report)?.status, 'warn');
    const view = report.upstream?.[0];
    assert.deepEqual([view?.state, view?.state_source], ['open', 'check']);
    assert.deepEqual(
      view?.findings.map((f) => [f.status, f.code]),
      [['warn', 'missing_event']],
    );
    assert.match(String(upstreamOf(report)?.hint), /turn on CONNECTION_UPDATE/);
  });

  test('messages recovered by backfill: a warning with the count; doctor still exits 0', async () => {
    const inst = await tenant('held');
    await record(inst, { state: 'open' });
    for (let i = 0; i < 3; i++) {
      await newton.node.store.receipts.record(receipt(inst, Date.now() - i * 60_000, 'backfilled'));
    }
    const r = await doctor('held', '--no-probe');
    assert.equal(r.code, 0, r.out);
    assert.match(
      r.out,
      /^! upstream +Provider connection and webhook: "held-wa" Evolution held 3 messages it never posted in the last 24 h; recovered/m,
    );
    assert.match(r.out, /fix: "held-wa": check Evolution's webhook queue/);
    assert.match(r.out, /recovered 3$/m);
    assert.match(r.out, /^OK: \d+ hops pass, 1 worth a look \(upstream\)$/m);
  });

  test('silent for far longer than its usual traffic: worth a look', async () => {
    const inst = await tenant('quiet');
    await record(inst, { state: 'open' });
    // A webhook every 10 minutes, until 3 hours ago.
    const lastAt = Date.now() - 3 * 3_600_000;
    for (let i = 0; i < 12; i++) {
      await newton.node.store.receipts.record(receipt(inst, lastAt - i * 600_000, 'accepted'));
    }
    const { code, report } = await doctorJson('quiet');
    assert.equal(code, 0);
    const hop = upstreamOf(report);
    assert.equal(hop?.status, 'warn');
    assert.match(String(hop?.detail), /"quiet-wa" silent for 3 h while it usually hears every 10 min/);
    assert.equal(report.upstream?.[0]?.usual_gap_ms, 600_000);
    assert.equal(report.upstream?.[0]?.last_webhook_at, new Date(lastAt).toISOString());

    // A webhook now: back to its usual pace.
    await newton.node.store.receipts.record(receipt(inst, Date.now(), 'accepted'));
    assert.equal(upstreamOf((await doctorJson('quiet')).report)?.status, 'pass');
  });

  test("a tenant's report names only its own instances; another tenant's admin gets 404", async () => {
    await tenant('mine');
    await tenant('theirs');
    const probe = new ScriptedProbe(() => ({}));
    newton.node.diagnostics.useUpstream(probe);
    const { report } = await doctorJson('mine');
    assert.deepEqual(
      report.upstream?.map((u) => u.instance),
      ['mine-wa'],
    );
    assert.deepEqual(probe.asked, ['mine-wa']);
    const other = await newton.token('theirs', { role: 'admin' });
    const res = await newton.get('/api/admin/diagnostics?tenant=mine', other);
    assert.equal(res.status, 404);
  });
});

function receipt(inst: Instance, receivedAt: number, outcome: 'accepted' | 'backfilled') {
  return {
    id: randomUUID(),
    receivedAt,
    provider: 'evolution' as const,
    event: 'messages.upsert',
    instanceName: inst.name,
    tenantId: inst.tenantId,
    instanceId: inst.id,
    outcome,
    reason: null,
    providerMessageId: `P${randomUUID().slice(0, 8)}`,
    messageId: null,
    traceId: `t-${randomUUID()}`,
    bodySize: 100,
    bodyExcerpt: null,
  };
}

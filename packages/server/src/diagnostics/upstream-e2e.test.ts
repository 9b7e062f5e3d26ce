/**
 * The upstream hop end to end (#12), against the provider simulator with
 * Newton's own provider checks (no test double): Evolution's webhook posting
 * elsewhere, with MESSAGES_UPSERT off or disabled → doctor fails naming
 * `upstream` and which; `newton instance webhook --apply` fixes it → doctor
 * passes. A real `connection.update` close → `instance_status` on the
 * tenant's socket and doctor fails naming `upstream`; open again → passes.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import { connectionUpdateBody } from '../../testing/evolution-connection-fixtures.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';
import type { EvolutionSim } from '../../testing/provider-simulator/evolution.js';
import {
  type EvolutionInstanceSim,
  NEWTON_EVOLUTION_HOOK as HOOK,
  NEWTON_PUBLIC_URL as PUBLIC,
  startEvolutionSimulator,
  webhookRecord,
} from '../../testing/provider-simulator/evolution-instance.js';
import type { ProviderSimulator } from '../../testing/provider-simulator/server.js';

const NUMBER = '573020000777';

let newton: TestNewton;
let sim: ProviderSimulator;
let evo: EvolutionInstanceSim;
let messages: EvolutionSim;

const env = () => ({ ...newton.env(), PUBLIC_URL: PUBLIC });
const doctor = () => runCli(['doctor', 'shop', '--url', newton.url], env());

before(async () => {
  ({ sim, evo, messages } = await startEvolutionSimulator({ 'shop-wa': 'key-shop' }));
  newton = await TestNewton.start({ publicUrl: PUBLIC });
  await newton.addTenant('shop');
  await newton.addInstance({
    tenantId: 'shop',
    name: 'shop-wa',
    number: NUMBER,
    apikey: 'key-shop',
    baseUrl: sim.url,
  });
});
after(async () => {
  await newton.close();
  await sim.close();
});
beforeEach(() => {
  evo.states.set('shop-wa', 'open');
});

describe('doctor and the provider, end to end', () => {
  const broken: [string, () => void, RegExp][] = [
    [
      'URL elsewhere',
      () => evo.webhooks.set('shop-wa', webhookRecord({ url: 'https://old-crm.example.com/hook' })),
      /posts its webhook to https:\/\/old-crm\.example\.com\/hook/,
    ],
    [
      'MESSAGES_UPSERT off',
      () => evo.webhooks.set('shop-wa', webhookRecord({ url: HOOK, events: ['SEND_MESSAGE'] })),
      /MESSAGES_UPSERT/,
    ],
    [
      'webhook disabled',
      () => evo.webhooks.set('shop-wa', webhookRecord({ url: HOOK, enabled: false })),
      /disabled/,
    ],
  ];
  for (const [name, breakIt, names] of broken) {
    test(`${name}: doctor names it; instance webhook --apply fixes it; doctor passes`, async () => {
      breakIt();
      const failed = await doctor();
      assert.equal(failed.code, 1, failed.out);
      assert.match(failed.out, /^✘ upstream /m);
      assert.match(failed.out, names);
      assert.match(failed.out, /^FAIL: the "upstream" hop fails/m);

      const applied = await runCli(['instance', 'webhook', 'shop', 'shop-wa', '--apply'], env());
      assert.equal(applied.code, 0, applied.err);
      const held = evo.webhooks.get('shop-wa');
      assert.equal(held?.url, HOOK);
      assert.equal(held?.enabled, true);
      assert.ok(held?.events.includes('MESSAGES_UPSERT'));

      const passed = await doctor();
      assert.equal(passed.code, 0, passed.out);
      assert.match(passed.out, /^✔ upstream /m);
    });
  }

  test('connection.update close → instance_status on the socket and doctor fails on upstream; open → passes', async () => {
    evo.webhooks.set('shop-wa', webhookRecord({ url: HOOK }));
    const agent = await newton.connect('shop');
    const closed = await newton.evolution(
      connectionUpdateBody({ instance: 'shop-wa', state: 'close', statusReason: 401, apikey: 'key-shop' }),
    );
    assert.equal(closed.status, 200);
    const event = await agent.waitFor('instance_status');
    assert.equal((event.instance as { state: string }).state, 'close');
    assert.equal((event.instance as { reason: string }).reason, 'logged_out');
    evo.states.set('shop-wa', 'close');

    const failed = await doctor();
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, /^✘ upstream .*"shop-wa" is close/m);

    evo.states.set('shop-wa', 'open');
    const open = await newton.evolution(
      connectionUpdateBody({ instance: 'shop-wa', state: 'open', apikey: 'key-shop' }),
    );
    assert.equal(open.status, 200);
    await agent.next(
      (f) => f.type === 'instance_status' && (f.instance as { state: string }).state === 'open',
    );
    const passed = await doctor();
    assert.equal(passed.code, 0, passed.out);
  });

  test('Evolution stores no message its webhooks brought → doctor says recovery is off and how to turn it on', async () => {
    evo.webhooks.set('shop-wa', webhookRecord({ url: HOOK }));
    messages.history.clear();
    const body = upsertBody({ instance: 'shop-wa', sender: NUMBER, apikey: 'key-shop', text: 'hola' });
    assert.equal((await newton.evolution(body)).status, 200);
    const off = await doctor();
    assert.equal(off.code, 0, off.out);
    assert.match(off.out, /recovery is off: Evolution stores no message of the last 24 h/);
    assert.match(off.out, /DATABASE_SAVE_DATA_NEW_MESSAGE=true/);

    // Evolution keeps its messages again: nothing to say.
    messages.history.hold(upsertBody({ instance: 'shop-wa', sender: NUMBER, text: 'kept' }));
    const on = await doctor();
    assert.doesNotMatch(on.out, /recovery is off/);
  });
});

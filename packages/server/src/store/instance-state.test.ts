/**
 * The instance state store (#12): a changed state appends one seq'd
 * `instance_status` event in the tenant's log, the same state again writes
 * nothing, `since` moves only with the state, and leases give a job to one
 * holder at a time. Runs on SQLite and PostgreSQL (NEWTON_TEST_DB).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestNewton } from '../../testing/harness.js';

let newton: TestNewton;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('state_a');
  await newton.addTenant('state_b');
});
after(() => newton.close());

describe('instance state', () => {
  test('a new state appends instance_status; the same state again appends nothing', async () => {
    const inst = await newton.addInstance({ tenantId: 'state_a', name: 'state-a-1', number: '573001110000' });
    const store = newton.node.store;
    const before = (await store.logState('state_a'))?.lastSeq ?? 0;
    const fresh = await store.instances.get(inst.id);
    assert.equal(fresh?.state, 'unknown');
    assert.equal(fresh?.reason, 'not_checked');

    const closed = await store.instances.record({
      tenantId: 'state_a',
      instanceId: inst.id,
      state: 'close',
      reason: 'logged_out',
      detail: 'scan a new QR code',
      at: 1_000,
      source: 'webhook',
    });
    assert.equal(closed.outcome, 'changed');
    assert.equal(closed.events.length, 1);
    const frame = JSON.parse(closed.events[0]?.frame ?? '{}');
    assert.equal(frame.type, 'instance_status');
    assert.equal(frame.seq, before + 1);
    assert.equal(frame.previous_state, null);
    assert.deepEqual(
      { state: frame.instance.state, reason: frame.instance.reason, number: frame.instance.number },
      { state: 'close', reason: 'logged_out', number: '+573001110000' },
    );
    assert.equal(frame.instance.since, new Date(1_000).toISOString());
    assert.equal('apikey' in frame.instance, false);

    const again = await store.instances.record({
      tenantId: 'state_a',
      instanceId: inst.id,
      state: 'close',
      reason: 'logged_out',
      detail: 'scan a new QR code',
      at: 2_000,
      source: 'check',
    });
    assert.equal(again.outcome, 'unchanged');
    assert.equal((await store.logState('state_a'))?.lastSeq, before + 1);

    // A new reason in the same state is news, but the state's `since` stays.
    const qr = await store.instances.record({
      tenantId: 'state_a',
      instanceId: inst.id,
      state: 'close',
      reason: 'qr_required',
      at: 3_000,
      source: 'webhook',
    });
    assert.equal(qr.outcome, 'changed');
    assert.equal(qr.outcome === 'changed' && qr.status.since, new Date(1_000).toISOString());

    const open = await store.instances.record({
      tenantId: 'state_a',
      instanceId: inst.id,
      state: 'open',
      reason: 'ignored when open',
      at: 4_000,
      source: 'webhook',
    });
    assert.equal(open.outcome, 'changed');
    const openFrame = JSON.parse(open.events[0]?.frame ?? '{}');
    assert.equal(openFrame.previous_state, 'close');
    assert.equal(openFrame.instance.reason, null);
    assert.equal(openFrame.instance.since, new Date(4_000).toISOString());
  });

  test("an instance is never changed through another tenant's id", async () => {
    const inst = await newton.addInstance({ tenantId: 'state_a', name: 'state-a-2' });
    const result = await newton.node.store.instances.record({
      tenantId: 'state_b',
      instanceId: inst.id,
      state: 'close',
      at: 1,
      source: 'webhook',
    });
    assert.equal(result.outcome, 'unknown_instance');
    assert.equal((await newton.node.store.instances.get(inst.id))?.state, 'unknown');
    assert.deepEqual(
      (await newton.node.store.instances.list('state_b')).map((i) => i.id),
      [],
      'tenant b lists none of tenant a',
    );
  });

  test('the last webhook time only moves forward', async () => {
    const inst = await newton.addInstance({ tenantId: 'state_a', name: 'state-a-3' });
    await newton.node.store.instances.touchWebhook(inst.id, 50_000);
    await newton.node.store.instances.touchWebhook(inst.id, 10_000);
    assert.equal(
      (await newton.node.store.instances.get(inst.id))?.last_webhook_at,
      new Date(50_000).toISOString(),
    );
  });
});

describe('leases', () => {
  test('one holder at a time until the lease runs out or is released', async () => {
    const leases = newton.node.store.leases;
    assert.equal(await leases.acquire('job-a', 'node-1', 1_000, 10_000), true);
    assert.equal(await leases.acquire('job-a', 'node-2', 1_000, 10_500), false, 'held by node-1');
    assert.equal(await leases.holder('job-a', 10_500), 'node-1');
    assert.equal(await leases.acquire('job-a', 'node-1', 1_000, 10_600), true, 'the holder renews');
    assert.equal(await leases.acquire('job-a', 'node-2', 1_000, 11_700), true, 'expired: node-2 takes it');
    await leases.release('job-a', 'node-1');
    assert.equal(await leases.holder('job-a', 11_800), 'node-2', 'only the holder releases');
    await leases.release('job-a', 'node-2');
    assert.equal(await leases.holder('job-a', 11_800), undefined);
    assert.equal(await leases.acquire('job-b', 'node-2', 1_000, 11_800), true, 'leases are by name');
  });
});

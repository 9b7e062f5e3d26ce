/**
 * The founding story (README, docs/protocol.md §8.2): a frontend connects, subscribes to
 * "messages", and a real customer's WhatsApp message must reach it — and every
 * other socket of the tenant — and never another tenant's socket.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertStoryMessage } from '../testing/contract.js';
import { upsertBody } from '../testing/evolution-fixtures.js';
import { type TestNewton as Newton, TestNewton } from '../testing/harness.js';

let newton: Newton;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant('celucambio_main', 'Celucambio');
  await newton.addInstance({
    tenantId: 'celucambio_main',
    name: 'celucambio',
    number: '573014165044',
    apikey: 'evo-key-1',
  });
  await newton.addTenant('other_tenant');
  await newton.addInstance({ tenantId: 'other_tenant', name: 'other', number: '573020000000' });
});
after(() => newton.close());

test('a customer message reaches every socket of its tenant and no other tenant', async () => {
  const subscriber = await newton.connect('celucambio_main');
  const established = subscriber.frames[0];
  assert.equal(established?.type, 'connection_established');
  assert.equal(established?.tenant_id, 'celucambio_main');
  assert.deepEqual(established?.channels, ['messages', 'leads', 'conversations', 'instances']);
  assert.equal(established?.heartbeat_interval_ms, 30000);
  assert.equal(typeof established?.connection_id, 'string');
  assert.equal(typeof established?.last_seq, 'number');

  subscriber.send({ type: 'subscribe', channels: ['messages'] });
  const ack = await subscriber.waitFor('subscribed');
  assert.ok((ack.channels as string[]).includes('messages'));

  subscriber.send({ type: 'ping' });
  await subscriber.waitFor('pong');

  const silent = await newton.connect('celucambio_main'); // never subscribes
  const stranger = await newton.connect('other_tenant');

  const res = await newton.evolution(
    upsertBody({
      instance: 'celucambio',
      from: '573001112233',
      sender: '573014165044',
      apikey: 'evo-key-1',
      pushName: 'Ana',
      text: 'Hola, quiero vender mi celular',
      timestamp: 1764000000,
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.body.outcome, 'accepted');

  for (const socket of [subscriber, silent]) {
    assertStoryMessage(await socket.waitFor('new_message'));
  }
  // Same event, same seq and id on both sockets.
  const a = await subscriber.waitFor('new_message');
  const b = await silent.waitFor('new_message');
  assert.equal(a.event_id, b.event_id);
  assert.equal(a.seq, b.seq);

  // The other tenant's socket saw nothing but its own handshake, even after a round trip.
  stranger.send({ type: 'ping', id: 'sync' });
  await stranger.waitFor('pong');
  assert.deepEqual(
    stranger.frames.map((f) => f.type),
    ['connection_established', 'pong'],
  );
});

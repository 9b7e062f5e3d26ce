/**
 * `/metrics` while the founding story runs: the counters of every hop move,
 * scraped the way Prometheus does. Also `/healthz` and `/readyz`.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { cloudBody, messagesValue } from '../../testing/cloud-fixtures.js';
import { postCloudWebhook } from '../../testing/cloud-node.js';
import { assertStoryMessage, STORY } from '../../testing/contract.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestNewton } from '../../testing/harness.js';

let newton: TestNewton;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant(STORY.tenant);
  await newton.addInstance({
    tenantId: STORY.tenant,
    name: 'celucambio',
    number: '573014165044',
    apikey: 'k',
  });
});
after(() => newton.close());

/** Scrapes `/metrics` into `name{labels}` → value. */
async function scrape(node: TestNewton = newton): Promise<Map<string, number>> {
  const res = await fetch(`${node.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    values.set(
      line
        .slice(0, i)
        .replace(/,?node="[^"]*"/, '')
        .replace('{,', '{')
        .replace('{}', ''),
      Number(line.slice(i + 1)),
    );
  }
  return values;
}

const v = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

test('metrics move as the story runs', async () => {
  const before = await scrape();
  const subscriber = await newton.connect(STORY.tenant);
  const silent = await newton.connect(STORY.tenant);
  subscriber.send({ type: 'subscribe', channels: ['messages'] });
  await subscriber.waitFor('subscribed');

  const res = await newton.evolution(
    upsertBody({
      instance: 'celucambio',
      from: STORY.from,
      sender: '573014165044',
      apikey: 'k',
      text: STORY.text,
      pushName: STORY.pushName,
      timestamp: STORY.timestamp,
    }),
  );
  assert.equal(res.status, 200);
  for (const s of [subscriber, silent]) assertStoryMessage(await s.waitFor('new_message'));
  // An unroutable and a rejected webhook count too.
  assert.equal((await newton.evolution(upsertBody({ instance: 'nobody' }))).status, 202);
  assert.equal((await newton.evolution(upsertBody({ instance: 'celucambio', apikey: 'bad' }))).status, 401);
  // Cloud API webhooks are counted under their own provider label.
  const cloud = await postCloudWebhook(
    newton,
    cloudBody(messagesValue({ phoneNumberId: '309999999999999' })),
    'no-such-app-secret',
  );
  assert.equal(cloud.body.outcome, 'unroutable');
  // A reconnecting client resumes from the replay cache.
  const again = await newton.connect(STORY.tenant, { since: 0 });
  await again.waitFor('resumed');

  const now = await scrape();
  const d = (key: string) => v(now, key) - v(before, key);
  assert.equal(d('newton_webhooks_total{provider="evolution",outcome="accepted"}'), 1);
  assert.equal(d('newton_webhooks_total{provider="evolution",outcome="unroutable"}'), 1);
  assert.equal(d('newton_webhooks_total{provider="evolution",outcome="rejected"}'), 1);
  assert.equal(d('newton_webhooks_total{provider="cloud",outcome="unroutable"}'), 1);
  assert.equal(d('newton_webhooks_total{provider="cloud",outcome="accepted"}'), 0);
  assert.equal(d('newton_events_appended_total'), 2, 'lead_created + new_message');
  assert.equal(d('newton_events_published_total'), 2);
  assert.equal(d('newton_events_delivered_total'), 2);
  assert.equal(d('newton_deliveries_total'), 4, '2 events × 2 sockets');
  assert.equal(v(now, 'newton_sockets{tenant="celucambio_main"}'), 3);
  assert.equal(d('newton_webhook_to_stored_seconds_count'), 1);
  assert.equal(d('newton_stored_to_published_seconds_count'), 1);
  assert.equal(d('newton_published_to_sent_seconds_count'), 2);
  assert.equal(d('newton_replays_total{source="cache"}'), 1);
  assert.equal(d('newton_replayed_events_total{source="cache"}'), 2);
  assert.equal(v(now, 'newton_bus_reconnects_total'), 0);
  assert.equal(v(now, 'newton_slow_consumer_closes_total'), 0);

  // Sockets leave the gauge when they close.
  for (const s of [subscriber, silent, again]) s.close();
  await eventually(async () => v(await scrape(), 'newton_sockets{tenant="celucambio_main"}') === 0);
});

test('every series carries the node id; healthz and readyz answer', async () => {
  const text = await (await fetch(`${newton.url}/metrics`)).text();
  assert.match(text, /newton_events_published_total\{node="test-node"\} \d+/);
  const health = await newton.get('/healthz');
  assert.deepEqual(health.body, { status: 'ok', node: 'test-node' });
  const ready = await newton.get('/readyz');
  assert.equal(ready.status, 200);
  assert.equal((ready.body.checks as { bus: { kind: string } }).bus.kind, 'memory');
});

test('slow-consumer closes and replays from the event log are counted', async () => {
  // No replay cache: a resume reads the event log. A small socket buffer: a socket that stops reading is closed soon.
  const node = await TestNewton.start({ replayCacheEvents: 0, maxSocketBufferBytes: 32 * 1024 });
  try {
    await node.addTenant('slowpoke');
    await node.addInstance({ tenantId: 'slowpoke', name: 'slow-wa' });
    const post = async (id: string, text = 'hola') =>
      assert.equal(
        (await node.evolution(upsertBody({ instance: 'slow-wa', sender: null, id, text }))).status,
        200,
      );
    await post('REPLAYLOG0001');
    const before = await scrape(node);
    const back = await node.connect('slowpoke', { since: 0 });
    const resumed = await back.waitFor('resumed');
    assert.equal(resumed.count, 2, 'lead_created + new_message replayed');
    let now = await scrape(node);
    assert.equal(
      v(now, 'newton_replays_total{source="log"}') - v(before, 'newton_replays_total{source="log"}'),
      1,
    );
    assert.equal(
      v(now, 'newton_replayed_events_total{source="log"}') -
        v(before, 'newton_replayed_events_total{source="log"}'),
      2,
    );
    assert.equal(v(now, 'newton_replays_total{source="cache"}'), 0);

    // A socket that stops reading: posts of 8 KB until the server gives up on it.
    const slow = await node.connect('slowpoke');
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const text = 'x'.repeat(8 * 1024);
    let n = 0;
    for (; n < 3000; n++) {
      await post(`SLOWMETRIC${String(n).padStart(5, '0')}`, text);
      if (n % 10 === 9 && v(await scrape(node), 'newton_slow_consumer_closes_total') > 0) break;
    }
    now = await scrape(node);
    assert.equal(
      v(now, 'newton_slow_consumer_closes_total'),
      1,
      `one slow socket closed after ${n + 1} posts`,
    );
    back.close();
  } finally {
    await node.close();
  }
});

/**
 * Doctor's probe and the SDK, against a real node: an app on the default
 * channels never hears a probe and sees no seq jump (so it never resumes
 * because of one); an app that subscribed to the opt-in `diagnostics` channel
 * hears the probe's `probe_event` frames, and is subscribed again after a
 * reconnect.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NewMessageEvent, ServerFrame } from '@newton/protocol';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { WebSocket } from 'ws';
import { waitForState } from '../testing/stubs.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import { WebSocketService } from './index.js';

const TENANT = 'diag_sdk';
let newton: TestNewton;
let proxy: TcpProxy;
const services: WebSocketService[] = [];
let n = 0;

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant(TENANT);
  await newton.addInstance({ tenantId: TENANT, name: 'diag-sdk', number: '573014165044', apikey: 'k' });
  proxy = await TcpProxy.start(Number(new URL(newton.url).port));
});
after(async () => {
  for (const s of services) s.destroy();
  await proxy.close();
  await newton.close();
});

/** An app's service, recording every frame, event and debug line. */
function app(baseUrl: string) {
  const frames: ServerFrame[] = [];
  const messages: NewMessageEvent[] = [];
  const lines: string[] = [];
  const svc = new WebSocketService({
    baseUrl,
    tenantId: TENANT,
    getToken: () => newton.token(TENANT, { user: 'ana' }),
    WebSocket,
    window: null,
    document: null,
    debug: (line: string) => lines.push(line),
  });
  services.push(svc);
  svc.on('frame', (f) => frames.push(f));
  svc.on('new_message', (e) => messages.push(e));
  return { svc, frames, messages, lines };
}

async function customerWrites(): Promise<string> {
  const res = await newton.evolution(
    upsertBody({ instance: 'diag-sdk', sender: '573014165044', apikey: 'k', id: `SDKDIAG${++n}` }),
  );
  assert.equal(res.status, 200);
  return String(res.body.message_id);
}

async function probe(): Promise<string> {
  const admin = await newton.token(TENANT, { role: 'admin', user: 'boss' });
  const res = await newton.post(
    `/api/admin/diagnostics/probe?tenant=${TENANT}`,
    {},
    {
      authorization: `Bearer ${admin}`,
    },
  );
  assert.equal(res.body.ok, true, JSON.stringify(res.body));
  return String(res.body.message_id);
}

const probeMessageOf = (frames: ServerFrame[], id: string) =>
  frames.some(
    (f) =>
      f.type === 'probe_event' &&
      f.event.type === 'new_message' &&
      (f.event as { message: { id: string } }).message.id === id,
  );

test('the default app hears no probe and no seq jump; the diagnostics app hears it, also after a reconnect', async () => {
  const plain = app(newton.url);
  const diag = app(proxy.url);
  plain.svc.connect();
  diag.svc.connect();
  await waitForState(plain.svc, 'open');
  await waitForState(diag.svc, 'open');
  diag.svc.send({ type: 'subscribe', channels: ['diagnostics'] });
  await eventually(
    () => diag.frames.some((f) => f.type === 'subscribed' && f.channels.includes('diagnostics')),
    5000,
    'subscribed to diagnostics',
  );

  const first = await customerWrites();
  await eventually(() => plain.messages.some((m) => m.message.id === first), 5000, 'first message');
  const seq = plain.svc.lastSeq ?? 0;
  const probeId = await probe();
  await eventually(() => probeMessageOf(diag.frames, probeId), 5000, 'probe on the diagnostics app');
  const second = await customerWrites();
  await eventually(() => plain.messages.some((m) => m.message.id === second), 5000, 'second message');

  assert.equal(plain.messages.at(-1)?.seq, seq + 1, 'the next real event is seq + 1');
  assert.ok(!plain.frames.some((f) => JSON.stringify(f).includes(probeId)), 'no frame of the probe');
  assert.deepEqual(
    plain.lines.filter((l) => /^\[WebSocket\] Seq jump/.test(l)),
    [],
    'no gap was seen, so nothing was resumed',
  );
  assert.ok(!diag.messages.some((m) => m.message.id === probeId), 'never a new_message event to the app');

  // The socket drops; the new one is on the default channels, and the SDK asks for diagnostics again.
  const before = diag.frames.length;
  proxy.dropAll();
  await eventually(
    () =>
      diag.frames.slice(before).some((f) => f.type === 'subscribed' && f.channels.includes('diagnostics')),
    10_000,
    'subscribed again after the reconnect',
  );
  const again = await probe();
  await eventually(() => probeMessageOf(diag.frames, again), 5000, 'probe after the reconnect');
});

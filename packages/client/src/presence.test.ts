/**
 * `@newton/client/presence` against a real Newton node (#15): two agents'
 * services; presence from the snapshot and live frames, away kept across a
 * reconnect, typing throttled on the way out and expiring on the way in
 * (a manual clock for the indicator's expiry), customer typing from an
 * Evolution presence.update webhook.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { upsertBody } from '@newton/server/testing/evolution-fixtures';
import { presenceBody } from '@newton/server/testing/evolution-presence-fixtures';
import { eventually, TestNewton } from '@newton/server/testing/harness';
import { WebSocket } from 'ws';
import { ManualClock } from '../testing/manual-clock.js';
import { WebSocketService } from './index.js';
import { LivePresence } from './presence.js';

const TENANT = 'presence_sdk';
const CUSTOMER = '573001110022';
let newton: TestNewton;
let conversationId: string;
const services: WebSocketService[] = [];

before(async () => {
  newton = await TestNewton.start();
  await newton.addTenant(TENANT);
  await newton.addInstance({ tenantId: TENANT, name: 'presence-sdk', number: '573014165099' });
  const res = await newton.evolution(
    upsertBody({ instance: 'presence-sdk', sender: '573014165099', from: CUSTOMER, text: 'hola' }),
  );
  assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  conversationId = String(res.body.conversation_id);
});
after(async () => {
  for (const s of services) s.destroy();
  await newton.close();
});

function service(user: string): WebSocketService {
  const svc = new WebSocketService({
    baseUrl: newton.url,
    tenantId: TENANT,
    getToken: () => newton.token(TENANT, { user }),
    WebSocket,
    window: null,
    document: null,
  });
  services.push(svc);
  svc.connect();
  return svc;
}

test('presence, typing and customer typing through LivePresence', async () => {
  const anaSvc = service('ana');
  const ana = new LivePresence(anaSvc);
  await eventually(() => ana.stateOf('ana') === 'online', 5000, 'ana sees herself online');

  const clock = new ManualClock();
  const bobSvc = service('bob');
  const bob = new LivePresence(bobSvc, clock);
  let changes = 0;
  bob.onChange(() => changes++);
  await eventually(
    () => bob.stateOf('ana') === 'online' && ana.stateOf('bob') === 'online',
    5000,
    'both online',
  );

  ana.setAway(true);
  await eventually(() => bob.stateOf('ana') === 'away', 5000, 'bob sees ana away');
  // A new socket of ana's starts online; LivePresence says away again.
  const sent: string[] = [];
  anaSvc.on('connected', () => sent.push('connected'));
  anaSvc.disconnect();
  anaSvc.connect();
  await eventually(() => sent.length === 1, 5000, 'ana reconnected');
  await eventually(() => ana.stateOf('ana') === 'away', 5000, 'ana away again after the reconnect');
  ana.setAway(false);
  await eventually(() => bob.stateOf('ana') === 'online', 5000, 'ana back online');

  // Typing: many keystrokes, one frame within TYPING_RESEND_MS; bob sees it, ana does not.
  let typingFrames = 0;
  bobSvc.on('agent_typing', () => typingFrames++);
  for (let i = 0; i < 20; i++) ana.typingIn(conversationId);
  await eventually(() => bob.typing(conversationId).agents.includes('ana'), 5000, 'bob sees ana typing');
  assert.equal(typingFrames, 1, 'throttled: one typing frame for 20 keystrokes');
  assert.deepEqual(ana.typing(conversationId).agents, []);
  // Nothing refreshes it: it expires on its own after expires_in_ms.
  clock.advance(5999);
  assert.deepEqual(bob.typing(conversationId).agents, ['ana']);
  clock.advance(1);
  assert.deepEqual(bob.typing(conversationId).agents, [], 'expired');

  // Typing again, then stopped: gone at once.
  ana.stoppedTyping(conversationId);
  ana.typingIn(conversationId);
  await eventually(() => bob.typing(conversationId).agents.includes('ana'), 5000, 'typing again');
  ana.stoppedTyping(conversationId);
  await eventually(() => bob.typing(conversationId).agents.length === 0, 5000, 'stopped');

  // The customer types, then pauses.
  await newton.evolution(
    presenceBody({ instance: 'presence-sdk', sender: '573014165099', chat: CUSTOMER, presence: 'composing' }),
  );
  await eventually(() => bob.typing(conversationId).customer === 'typing', 5000, 'customer typing');
  clock.advance(15_000);
  assert.equal(bob.typing(conversationId).customer, null, 'customer typing expired');
  assert.ok(changes > 0);

  // Ana leaves: bob sees her offline.
  anaSvc.disconnect();
  await eventually(() => bob.stateOf('ana') === 'offline', 5000, 'ana offline');
  ana.destroy();
  bob.destroy();
  assert.equal(anaSvc.listenerCount('agent_presence'), 0);
});

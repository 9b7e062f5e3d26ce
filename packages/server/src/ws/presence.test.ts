/**
 * Presence and typing on one node (#15; two nodes: scale/presence.test.ts):
 * agent presence online/away/offline with the snapshot a new socket gets,
 * agent typing to the tenant's other agents only (validated, rate-limited,
 * tenant-checked), customer typing from Evolution `presence.update`, and
 * tenant isolation: tenant B's socket never sees tenant A's frames.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_INSTANCE, DEFAULT_OWN_NUMBER, upsertBody } from '../../testing/evolution-fixtures.js';
import { presenceBody } from '../../testing/evolution-presence-fixtures.js';
import { type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';

const A = 'pres_a';
const B = 'pres_b';
const B_NUMBER = '573155550101';
const CUSTOMER = '573001230001';
const EPHEMERAL = ['agent_presence', 'presence_snapshot', 'agent_typing', 'customer_typing'];

describe('presence and typing on one node', () => {
  let t: TestNewton;
  let convA: string;
  let leadA: string;
  let convB: string;
  /** Tenant B's agent, connected throughout: it must never see tenant A's frames. */
  let watcherB: TestSocket;

  /** An agent's socket on the opt-in `presence` channel, its snapshot received. */
  const agent = async (tenant: string, user: string) => {
    const s = await t.connect(tenant, { token: await t.token(tenant, { user }) });
    s.send({ type: 'subscribe', channels: ['presence'] });
    await s.waitFor('presence_snapshot');
    return s;
  };
  /** A socket on the default channels only: it never gets an ephemeral frame. */
  let plain: TestSocket;
  /** A ping answered: every frame the server wrote before it has arrived. */
  const settle = async (s: TestSocket) => {
    const id = `p${Math.random()}`;
    s.send({ type: 'ping', id });
    await s.next((f) => f.type === 'pong' && f.id === id);
  };
  const ofType = (s: TestSocket, type: string) => s.frames.filter((f) => f.type === type);

  before(async () => {
    t = await TestNewton.start();
    await t.addTenant(A);
    await t.addTenant(B);
    await t.addInstance({ tenantId: A, name: DEFAULT_INSTANCE, number: DEFAULT_OWN_NUMBER });
    await t.addInstance({ tenantId: B, name: 'pres-b-wa', number: B_NUMBER });
    watcherB = await agent(B, 'bea');
    plain = await t.connect(A, { token: await t.token(A, { user: 'paul' }) });
    const seed = await agent(A, 'seed');
    assert.equal((await t.evolution(upsertBody({ from: CUSTOMER, text: 'hola' }))).status, 200);
    const msg = await seed.waitFor('new_message');
    convA = String(msg.conversation_id);
    leadA = String(msg.lead_id);
    const bodyB = upsertBody({ instance: 'pres-b-wa', sender: B_NUMBER, from: CUSTOMER, text: 'hola B' });
    assert.equal((await t.evolution(bodyB)).status, 200);
    convB = String((await watcherB.waitFor('new_message')).conversation_id);
    seed.close();
    await seed.closed;
  });
  after(() => t.close());

  test('a new socket gets the snapshot; others see online, away and offline', async () => {
    const ana = await agent(A, 'ana');
    const snap = await ana.waitFor('presence_snapshot');
    // (`seed`, closed just before, may still be on its way out.)
    assert.deepEqual(
      (snap.agents as Frame[])
        .filter((a) => a.user_id !== 'seed' && a.user_id !== 'paul')
        .map((a) => [a.user_id, a.state]),
      [['ana', 'online']],
    );
    // connection_established comes first, always; the snapshot after `subscribed`.
    assert.deepEqual(
      ana.frames.slice(0, 3).map((f) => f.type),
      ['connection_established', 'subscribed', 'presence_snapshot'],
    );

    const bob = await agent(A, 'bob');
    await ana.next((f) => f.type === 'agent_presence' && f.user_id === 'bob' && f.state === 'online');
    const bobSnap = await bob.waitFor('presence_snapshot');
    assert.deepEqual(
      (bobSnap.agents as Frame[])
        .filter((a) => a.user_id !== 'seed' && a.user_id !== 'paul')
        .map((a) => [a.user_id, a.state])
        .sort(),
      [
        ['ana', 'online'],
        ['bob', 'online'],
      ],
    );

    // A second socket of bob going away keeps bob online; both away → away.
    const bob2 = await agent(A, 'bob');
    bob.send({ type: 'presence', state: 'away' });
    await settle(bob);
    bob2.send({ type: 'presence', state: 'away' });
    const away = await ana.next(
      (f) => f.type === 'agent_presence' && f.user_id === 'bob' && f.state === 'away',
    );
    assert.equal(typeof away.since, 'string');
    assert.equal(
      ofType(ana, 'agent_presence').filter((f) => f.user_id === 'bob' && f.state === 'away').length,
      1,
      'one away, when the last socket went away',
    );
    bob.send({ type: 'presence', state: 'online' });
    await ana.next(
      (f) => f.type === 'agent_presence' && f.user_id === 'bob' && f.state === 'online',
      5000,
      ana.frames.indexOf(away),
    );

    bob.close();
    bob2.close();
    await ana.next((f) => f.type === 'agent_presence' && f.user_id === 'bob' && f.state === 'offline');
    assert.ok(!('seq' in away), 'ephemeral frames carry no seq');
    ana.close();
  });

  test('typing reaches the other agents of the tenant, not the typist', async () => {
    const ana = await agent(A, 'ana');
    const bob = await agent(A, 'bob');
    const ana2 = await agent(A, 'ana');
    ana.send({ type: 'typing', conversation_id: convA });
    const typing = await bob.next((f) => f.type === 'agent_typing');
    assert.deepEqual(
      { ...typing },
      { type: 'agent_typing', conversation_id: convA, user_id: 'ana', state: 'typing', expires_in_ms: 6000 },
    );
    ana.send({ type: 'typing', conversation_id: convA, state: 'stopped' });
    await bob.next((f) => f.type === 'agent_typing' && f.state === 'stopped');
    await settle(ana);
    await settle(ana2);
    assert.deepEqual(ofType(ana, 'agent_typing'), [], 'never echoed to the typist');
    assert.deepEqual(ofType(ana2, 'agent_typing'), [], "nor to the typist's other sockets");
    for (const s of [ana, bob, ana2]) s.close();
  });

  test('bad typing frames: invalid payload, another tenant’s conversation, too many', async () => {
    const ana = await agent(A, 'ana');
    const bob = await agent(A, 'bob');
    ana.send({ type: 'typing' });
    assert.equal((await ana.waitFor('error')).code, 'invalid_payload');
    const from = ana.frames.length;
    ana.send({ type: 'presence', state: 'busy' });
    assert.equal((await ana.next((f) => f.type === 'error', 5000, from)).code, 'invalid_payload');
    ana.send({ type: 'typing', conversation_id: convB });
    const foreign = await ana.next((f) => f.type === 'error' && f.code === 'unknown_conversation');
    assert.match(String(foreign.message), /not a conversation of tenant/);
    for (let i = 0; i < 30; i++) ana.send({ type: 'typing', conversation_id: convA });
    await ana.next((f) => f.type === 'error' && f.code === 'rate_limited');
    await settle(ana);
    await settle(bob);
    const got = ofType(bob, 'agent_typing');
    assert.ok(got.length > 0 && got.length < 30, `rate-limited: ${got.length} of 30 reached bob`);
    assert.ok(
      got.every((f) => f.conversation_id === convA),
      'the foreign conversation never went out',
    );
    ana.close();
    bob.close();
  });

  test('customer typing from Evolution presence.update: composing, recording, paused', async () => {
    const ana = await agent(A, 'ana');
    const post = (presence: 'composing' | 'recording' | 'paused', chat = CUSTOMER) =>
      t.evolution(presenceBody({ chat, presence }));
    const res = await post('composing');
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'accepted');
    const typing = await ana.next((f) => f.type === 'customer_typing');
    assert.deepEqual(
      { ...typing },
      {
        type: 'customer_typing',
        conversation_id: convA,
        lead_id: leadA,
        state: 'typing',
        expires_in_ms: 15000,
      },
    );
    await post('recording');
    await ana.next((f) => f.type === 'customer_typing' && f.state === 'recording');
    await post('paused');
    await ana.next((f) => f.type === 'customer_typing' && f.state === 'stopped');
    // A chat with no conversation, and a group: answered, nothing sent.
    const unknown = await post('composing', '573009999999');
    assert.deepEqual([unknown.status, unknown.body.outcome], [200, 'ignored']);
    const group = await post('composing', '120363025246125486@g.us');
    assert.deepEqual([group.status, group.body.outcome], [200, 'ignored']);
    // Nothing stored: no event took a seq.
    const before = ana.events().length;
    await settle(ana);
    assert.equal(ana.events().length, before);
    assert.equal(ofType(ana, 'customer_typing').length, 3);
    ana.close();
  });

  test('a socket that did not subscribe to presence got none of it (but counted as online)', async () => {
    await settle(plain);
    assert.deepEqual(
      plain.frames.filter((f) => EPHEMERAL.includes(f.type)),
      [],
    );
    const ana = await agent(A, 'ana');
    const snap = ofType(ana, 'presence_snapshot')[0] as Frame;
    assert.ok((snap.agents as Frame[]).some((a) => a.user_id === 'paul' && a.state === 'online'));
    ana.close();
  });

  test('tenant B never received a frame of tenant A', async () => {
    await settle(watcherB);
    const leaked = watcherB.frames.filter(
      (f) =>
        EPHEMERAL.includes(f.type) &&
        f.type !== 'presence_snapshot' &&
        (f.user_id !== undefined ? f.user_id !== 'bea' : f.conversation_id !== convB),
    );
    assert.deepEqual(leaked, []);
    const snap = ofType(watcherB, 'presence_snapshot')[0] as Frame;
    assert.deepEqual(
      (snap.agents as Frame[]).map((a) => a.user_id),
      ['bea'],
    );
    // The typing test's frames were there to leak: the watcher saw none.
    assert.equal(ofType(watcherB, 'agent_typing').length, 0);
    assert.equal(ofType(watcherB, 'customer_typing').length, 0);
  });
});

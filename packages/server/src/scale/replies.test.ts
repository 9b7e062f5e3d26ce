/**
 * A reply across two nodes (PostgreSQL + Redis): the agent's POST lands on
 * node 1, which sends it through the provider; Evolution's echo and status
 * webhooks land on node 2. Every agent socket on both nodes sees the reply's
 * pending → sent → delivered → read once each, in seq order, the provider
 * gets exactly one send, and another tenant's socket sees none of it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { TestCluster } from '../../testing/cluster.js';
import { testDialect } from '../../testing/databases.js';
import { randomMessageId, upsertBody } from '../../testing/evolution-fixtures.js';
import type { Frame, TestNewton, TestSocket } from '../../testing/harness.js';
import {
  EVOLUTION_SEND_TEXT,
  type EvolutionAck,
  type EvolutionSim,
  installEvolution,
  messagesUpdateBody,
  sendMessageBody,
} from '../../testing/provider-simulator/evolution.js';
import { ProviderSimulator } from '../../testing/provider-simulator/server.js';
import { SHARED_REDIS_URL } from '../../testing/redis.js';
import { FAST_SEND } from '../../testing/reply-fixture.js';

const skip = testDialect() !== 'postgres' && 'scale-out tests run in the PostgreSQL pass';

describe('a reply sent on one node, its statuses received on another', { skip }, () => {
  let cluster: TestCluster;
  let sim: ProviderSimulator;
  let evo: EvolutionSim;
  // The shared Redis carries every test's events: tenant ids must be unique to this run.
  const run = randomBytes(3).toString('hex');
  const tenant = `rep_${run}`;
  const other = `rep_other_${run}`;
  const instance = `${tenant}-wa`;
  const apikey = `key-${tenant}`;
  const CUSTOMER = '573007778899';

  before(async () => {
    sim = await ProviderSimulator.start();
    evo = installEvolution(sim, { instances: { [instance]: apikey } });
    // Sends answer within the test's time; the resume sweeper stays off (FAST_SEND).
    cluster = await TestCluster.start(2, SHARED_REDIS_URL, { ...FAST_SEND, providerTimeoutMs: 3000 });
    const n = cluster.node(0);
    await n.addTenant(tenant);
    await n.addTenant(other);
    await n.addInstance({ tenantId: tenant, name: instance, apikey, baseUrl: sim.url });
    await n.addInstance({ tenantId: other, name: `${other}-wa` });
  });
  after(async () => {
    await cluster?.close();
    await sim?.close();
  });

  /** An Evolution webhook to `node`, with the instance's apikey header. */
  const webhook = (node: TestNewton, body: unknown) => node.evolution(body, { headers: { apikey } });

  /** Frames of `socket` about message `id`: its `new_message` and its `message_status`es. */
  const framesOf = (socket: TestSocket, id: string): Frame[] =>
    socket
      .events()
      .filter(
        (f) =>
          (f.type === 'new_message' && (f.message as MessagePayload).id === id) ||
          (f.type === 'message_status' && f.message_id === id),
      );

  test('pending → sent → delivered → read once on every socket of both nodes; one send', async () => {
    const [node1, node2] = [cluster.node(0), cluster.node(1)];
    const inbound = await webhook(
      node2,
      upsertBody({ instance, sender: null, from: CUSTOMER, text: '¿Tienen la talla M?', pushName: 'Ana' }),
    );
    assert.equal(inbound.body.outcome, 'accepted', JSON.stringify(inbound.body));
    const conversationId = String(inbound.body.conversation_id);

    const sockets = [
      await node1.connect(tenant),
      await node1.connect(tenant),
      await node2.connect(tenant),
      await node2.connect(tenant),
    ];
    const outsider = await node2.connect(other);

    const keyId = randomMessageId();
    evo.nextIds.push(keyId);
    const text = 'Sí, la enviamos hoy mismo.';
    const token = await node1.token(tenant, { user: 'agent-1' });
    const posted = await node1.post(
      `/api/conversations/${conversationId}/messages`,
      { text, client_id: `c-${run}` },
      { authorization: `Bearer ${token}` },
    );
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    const id = (posted.body.message as MessagePayload).id;
    assert.equal((posted.body.message as MessagePayload).status, 'pending');

    const statusOn = (s: TestSocket, status: string) =>
      s.next((f) => f.type === 'message_status' && f.message_id === id && f.status === status, 8000);
    await Promise.all(sockets.map((s) => statusOn(s, 'sent')));

    // Evolution's echo of what it sent, then every ack, one repeated, all to node 2.
    const echo = await webhook(node2, sendMessageBody({ instance, keyId, to: CUSTOMER, text, sender: null }));
    assert.equal(echo.status, 200, JSON.stringify(echo.body));
    assert.notEqual(echo.body.outcome, 'accepted', 'the echo is not a second message');
    const acks: [EvolutionAck, string][] = [
      ['SERVER_ACK', 'duplicate'],
      ['DELIVERY_ACK', 'accepted'],
      ['READ', 'accepted'],
      ['READ', 'duplicate'],
    ];
    for (const [status, outcome] of acks) {
      const res = await webhook(
        node2,
        messagesUpdateBody({
          instance,
          keyId,
          remoteJid: `${CUSTOMER}@s.whatsapp.net`,
          status,
          sender: null,
        }),
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.outcome, outcome, `${status}: ${JSON.stringify(res.body)}`);
    }
    await Promise.all(sockets.map((s) => statusOn(s, 'read')));

    const expected = [
      'new_message:pending',
      'message_status:sent',
      'message_status:delivered',
      'message_status:read',
    ];
    const seqsSeen: number[][] = [];
    for (const [i, s] of sockets.entries()) {
      const frames = framesOf(s, id);
      const steps = frames.map((f) =>
        f.type === 'new_message'
          ? `new_message:${(f.message as MessagePayload).status}`
          : `message_status:${f.status}`,
      );
      assert.deepEqual(steps, expected, `socket ${i} (node ${i < 2 ? 1 : 2})`);
      const seqs = frames.map((f) => Number(f.seq));
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        `socket ${i}: in seq order`,
      );
      const all = s.events().map((f) => Number(f.seq));
      assert.equal(new Set(all).size, all.length, `socket ${i}: no event twice`);
      assert.deepEqual(
        all,
        [...all].sort((a, b) => a - b),
        `socket ${i}: every event in seq order`,
      );
      seqsSeen.push(seqs);
    }
    for (const seqs of seqsSeen) assert.deepEqual(seqs, seqsSeen[0], 'the same seqs everywhere');

    assert.equal(sim.requests(EVOLUTION_SEND_TEXT).length, 1, 'exactly one send');
    assert.equal(evo.sent.length, 1);
    assert.equal(evo.sent[0]?.text, text);
    assert.deepEqual(
      outsider.events().filter((f) => JSON.stringify(f).includes(id)),
      [],
      "another tenant's socket sees nothing of it",
    );

    // The stored message ends read, once.
    const page = await node2.get(
      `/api/conversations/${conversationId}/messages?limit=50`,
      await node2.token(tenant),
    );
    const mine = (page.body.items as MessagePayload[]).filter((m) => m.content === text);
    assert.equal(mine.length, 1, JSON.stringify(mine));
    assert.equal(mine[0]?.status, 'read');
  });
});

/**
 * Issue #13, "calls become a `call` entry in the thread (missed /
 * answered)", for Cloud API numbers (calls.ts; corpus testing/corpus/cloud-call.ts):
 * a customer's call is one entry when it ends, answered with its duration or
 * missed, on both of the tenant's sockets once and never on another
 * tenant's; a redelivered end changes nothing; the ringing step and calls
 * the business placed change nothing and say why.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import * as calls from '../../../testing/corpus/cloud-call.js';
import { useCorpusPair } from '../../../testing/corpus-pair.js';
import type { Frame } from '../../../testing/harness.js';

const corpus = useCorpusPair();

const callEntry = (id: string) => (f: Frame) =>
  f.type === 'new_message' && (f.message as MessagePayload).provider_message_id === `call:${id}`;

describe('Cloud API calls (#13)', () => {
  test('an answered call: nothing while it rings, one entry with its duration when it ends', async () => {
    const p = corpus();
    const id = calls.callId();
    const ring = await p.cloud(calls.body({ id, from: '573001234501', event: 'connect' }));
    assert.equal(ring.status, 200);
    assert.deepEqual(
      [ring.body.outcome, ring.body.reason],
      ['ignored', 'call connect: the entry is written when the call ends'],
    );
    await p.none(callEntry(id), 'no entry while it rings');

    const end = calls.body({
      id,
      from: '573001234501',
      event: 'terminate',
      status: 'COMPLETED',
      duration: 95,
    });
    const r = await p.cloud(end);
    assert.deepEqual([r.status, r.body.outcome], [200, 'accepted'], JSON.stringify(r.body));
    const frame = await p.once(callEntry(id), 'the call entry');
    const message = frame.message as MessagePayload;
    assert.deepEqual(
      [message.type, message.sender, message.direction, message.call],
      ['call', 'lead', 'inbound', { status: 'answered', video: false, duration: 95 }],
    );
    const token = await p.t.token('acme');
    const list = await p.t.get(`/api/conversations/${frame.conversation_id}/messages`, token);
    const stored = (list.body.items as MessagePayload[]).find((m) => m.id === message.id);
    assert.deepEqual(stored?.call, message.call, 'stored as pushed');

    const again = await p.cloud(end);
    assert.deepEqual([again.status, again.body.outcome], [200, 'duplicate']);
    await p.once(callEntry(id), 'the call entry (after its redelivery)');
  });

  test('a call nobody picked up is a missed call under the caller’s name', async () => {
    const p = corpus();
    const id = calls.callId();
    const r = await p.cloud(
      calls.body({ id, from: '573001234502', name: 'Andrés Pérez', event: 'terminate', status: 'FAILED' }),
    );
    assert.deepEqual([r.status, r.body.outcome], [200, 'accepted'], JSON.stringify(r.body));
    const frame = await p.once(callEntry(id), 'the missed call');
    assert.deepEqual((frame.message as MessagePayload).call, {
      status: 'missed',
      video: false,
      duration: null,
    });
    const token = await p.t.token('acme');
    const conv = await p.t.get(`/api/conversations/${frame.conversation_id}`, token);
    assert.equal(JSON.stringify(conv.body).includes('Andrés Pérez'), true, JSON.stringify(conv.body));
  });

  test('a call the business placed, and its ringing status, change nothing', async () => {
    const p = corpus();
    const id = calls.callId();
    const ringing = await p.cloud(calls.ringing({ id, to: '573001234503' }));
    const placed = await p.cloud(
      calls.body({
        id,
        from: '573001234503',
        business: true,
        event: 'terminate',
        status: 'COMPLETED',
        duration: 30,
      }),
    );
    assert.deepEqual(
      [ringing, placed].map((r) => [r.status, r.body.outcome, r.body.reason]),
      [
        [200, 'ignored', 'status of a call the business placed'],
        [200, 'ignored', 'a call placed by the business'],
      ],
    );
    await p.none(callEntry(id), 'no entry for a call the business placed');
  });
});

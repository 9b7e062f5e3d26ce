/**
 * IngestBatchQueue (ingest-pg-queue.ts): the first message of an idle tenant
 * goes alone and at once; those that arrive meanwhile go together next, in
 * arrival order; another tenant never waits for this one; a message that
 * fails fails alone. The writer here is a function the test controls, so the
 * order of events is the test's, not a clock's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InboundMessage, IngestResult } from '../core/index.js';
import type { BatchItem } from './ingest-pg-batch.js';
import { IngestBatchQueue } from './ingest-pg-queue.js';

const item = (tenantId: string, id: string): BatchItem => ({
  message: { tenantId, providerMessageId: id } as InboundMessage,
});

/** A writer whose batches settle when the test says so. */
function controlledWriter() {
  const calls: { ids: string[]; settle: (fail?: string[]) => void; throwAll: (err: Error) => void }[] = [];
  let notify: (() => void) | undefined;
  const write = (items: BatchItem[]) =>
    new Promise<PromiseSettledResult<IngestResult>[]>((resolve, reject) => {
      const ids = items.map((i) => i.message.providerMessageId);
      calls.push({
        ids,
        settle: (fail = []) =>
          resolve(
            ids.map((id) =>
              fail.includes(id)
                ? { status: 'rejected', reason: new Error(`${id} failed`) }
                : {
                    status: 'fulfilled',
                    value: { outcome: 'stored', messageId: id, conversationId: 'c', events: [] },
                  },
            ),
          ),
        throwAll: reject,
      });
      notify?.();
    });
  const nextCall = async (n: number) => {
    while (calls.length < n) await new Promise<void>((r) => (notify = r));
    return calls[n - 1] as (typeof calls)[number];
  };
  return { write, calls, nextCall };
}

test('alone at once; those that arrive meanwhile go together, in order; other tenants do not wait', async () => {
  const w = controlledWriter();
  const q = new IngestBatchQueue(w.write);
  const order: string[] = [];
  const track = (p: Promise<IngestResult>) => p.then((r) => order.push(r.messageId));
  const first = track(q.submit(item('a', 'a1')));
  const one = await w.nextCall(1);
  assert.deepEqual(one.ids, ['a1'], 'the first goes alone, without waiting');
  const later = ['a2', 'a3', 'a4'].map((id) => track(q.submit(item('a', id))));
  // Tenant b is idle: its message goes at once, while a's write is in flight.
  const other = track(q.submit(item('b', 'b1')));
  assert.deepEqual((await w.nextCall(2)).ids, ['b1']);
  (w.calls[1] as (typeof w.calls)[number]).settle();
  await other;
  assert.equal(w.calls.length, 2, "a's waiting messages wait for a's write in flight");
  one.settle();
  await first;
  const batch = await w.nextCall(3);
  assert.deepEqual(batch.ids, ['a2', 'a3', 'a4'], 'the waiting ones, together, in arrival order');
  batch.settle();
  await Promise.all(later);
  assert.deepEqual(order, ['b1', 'a1', 'a2', 'a3', 'a4']);
  // Idle again: the next one goes alone.
  const again = q.submit(item('a', 'a5'));
  const alone = await w.nextCall(4);
  assert.deepEqual(alone.ids, ['a5']);
  alone.settle();
  assert.equal((await again).messageId, 'a5');
});

test('while both slots are taken, the waiting messages of other tenants go together in the next batch', async () => {
  const w = controlledWriter();
  const q = new IngestBatchQueue(w.write);
  const a1 = q.submit(item('a', 'a1'));
  const b1 = q.submit(item('b', 'b1'));
  assert.deepEqual((await w.nextCall(1)).ids, ['a1']);
  assert.deepEqual((await w.nextCall(2)).ids, ['b1'], 'two batches in flight at most');
  const waiting = [item('c', 'c1'), item('a', 'a2'), item('d', 'd1'), item('c', 'c2')].map((i) =>
    q.submit(i),
  );
  (w.calls[1] as (typeof w.calls)[number]).settle();
  await b1;
  // a still has a write in flight: its a2 waits; c and d go together.
  assert.deepEqual((await w.nextCall(3)).ids, ['c1', 'd1', 'c2']);
  (w.calls[0] as (typeof w.calls)[number]).settle();
  await a1;
  assert.deepEqual((await w.nextCall(4)).ids, ['a2']);
  (w.calls[2] as (typeof w.calls)[number]).settle();
  (w.calls[3] as (typeof w.calls)[number]).settle();
  assert.deepEqual(
    (await Promise.all(waiting)).map((r) => r.messageId),
    ['c1', 'a2', 'd1', 'c2'],
  );
});

test('a message that fails fails alone; a writer that throws fails its batch only', async () => {
  const w = controlledWriter();
  const q = new IngestBatchQueue(w.write);
  const first = q.submit(item('a', 'x1'));
  const one = await w.nextCall(1);
  const waiting = ['x2', 'x3', 'x4'].map((id) => q.submit(item('a', id)));
  one.throwAll(new Error('connection lost'));
  await assert.rejects(first, /connection lost/);
  const batch = await w.nextCall(2);
  assert.deepEqual(batch.ids, ['x2', 'x3', 'x4'], 'the queue goes on after a failed write');
  batch.settle(['x3']);
  const settled = await Promise.allSettled(waiting);
  assert.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((settled[1] as PromiseRejectedResult).reason), /x3 failed/);
});

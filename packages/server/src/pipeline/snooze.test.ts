/**
 * Snoozes fall due (#15): two nodes on one database sweep at the same time,
 * and the conversation is reopened once, with one seq'd conversation_updated.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ConversationState } from '@newton/protocol';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.js';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { eventually, TestNewton } from '../../testing/harness.js';

const T = 'snooze-t';
let db: TestDatabase;
let dir: string;
let n1: TestNewton;
let n2: TestNewton;

before(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'newton-snooze-'));
  const shared = { jwtSecret: 'snooze-test-secret-0123456789abcdef' };
  n1 = await TestNewton.start({ ...shared, nodeId: 'node-1' }, { database: db, dataDir: dir });
  n2 = await TestNewton.start({ ...shared, nodeId: 'node-2' }, { database: db, dataDir: dir });
  await n1.addTenant(T);
  await n1.addInstance({ tenantId: T, name: `${T}-wa`, apikey: 'key-snooze' });
});
after(async () => {
  await n1?.close();
  await n2?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a due snooze is reopened by exactly one of two sweeping nodes, with one conversation_updated', async () => {
  const res = await n1.evolution(upsertBody({ instance: `${T}-wa`, sender: null, from: '573009990001' }), {
    headers: { apikey: 'key-snooze' },
  });
  assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
  const id = String(res.body.conversation_id);
  const token = await n1.token(T);
  const until = new Date(Date.now() + 1200);
  const snoozed = await n1.request('POST', `/api/conversations/${id}/status`, token, {
    status: 'snoozed',
    snoozed_until: until.toISOString(),
  });
  assert.equal(snoozed.status, 200, JSON.stringify(snoozed.body));
  const { lastSeq: snoozeSeq } = (await n1.node.store.logState(T)) ?? { lastSeq: 0 };
  // Not due yet: nobody reopens it.
  assert.deepEqual(await Promise.all([n1.node.snoozes.sweep(), n2.node.snoozes.sweep()]), [0, 0]);
  await eventually(() => Date.now() > until.getTime(), 5000, 'the snooze to pass');

  const now = Date.now();
  const counts = await Promise.all([
    n1.node.store.conversationStatus.reopenDue(now),
    n2.node.store.conversationStatus.reopenDue(now),
    n1.node.snoozes.sweep(now),
    n2.node.snoozes.sweep(now),
  ]);
  const reopened = counts[0].length + counts[1].length + Number(counts[2]) + Number(counts[3]);
  assert.ok(reopened <= 1, `reopened ${reopened} times`);
  // Each node's own timer may have been first; either way the log holds the one reopening.
  await eventually(
    async () => {
      const events = await n2.node.store.readEvents(T, snoozeSeq, Number.MAX_SAFE_INTEGER, 100);
      return events.length > 0;
    },
    10_000,
    'the reopening',
  );
  const events = await n2.node.store.readEvents(T, snoozeSeq, Number.MAX_SAFE_INTEGER, 100);
  assert.deepEqual(
    events.map((e) => e.type),
    ['conversation_updated'],
  );
  const frame = JSON.parse(events[0]?.frame ?? '{}') as { seq: number; conversation: ConversationState };
  assert.deepEqual([frame.conversation.status, frame.conversation.snoozed_until], ['open', null]);
  assert.equal(frame.seq, snoozeSeq + 1);
  const state = (await n2.get(`/api/conversations/${id}`, token)).body as unknown as ConversationState;
  assert.equal(state.status, 'open');
  // Sweeping again finds nothing more to do.
  assert.deepEqual(await Promise.all([n1.node.snoozes.sweep(), n2.node.snoozes.sweep()]), [0, 0]);
});

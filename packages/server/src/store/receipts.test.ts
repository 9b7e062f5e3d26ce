/**
 * Webhook receipts stay bounded: the table keeps only the newest
 * RECEIPTS_KEPT rows, and a receipt keeps at most a 2 KB excerpt of the body
 * (credentials blanked) whatever the body's size; the size itself is kept.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { upsertBody } from '../../testing/evolution-fixtures.js';
import { TestNewton } from '../../testing/harness.js';
import type { WebhookReceipt } from '../core/index.js';

let newton: TestNewton;

before(async () => {
  // 1 MiB (the default is 64 MiB): an over-limit body stays cheap to build.
  newton = await TestNewton.start({ webhookBodyLimit: 1024 * 1024 });
});
after(() => newton.close());

function receipt(receivedAt: number, outcome: WebhookReceipt['outcome'] = 'unroutable'): WebhookReceipt {
  return {
    id: randomUUID(),
    receivedAt,
    provider: 'evolution',
    event: 'messages.upsert',
    instanceName: `prune-${receivedAt}`,
    tenantId: null,
    instanceId: null,
    outcome,
    reason: 'unknown instance',
    providerMessageId: null,
    messageId: null,
    traceId: `prune-trace-${receivedAt}`,
    bodySize: 10,
    bodyExcerpt: '{}',
  };
}

describe('webhook receipts are bounded', () => {
  test('prune keeps the newest N receipts and removes the rest', async () => {
    const receipts = newton.node.store.receipts;
    const base = Date.now() - 3_600_000;
    for (let i = 0; i < 10; i++) await receipts.record(receipt(base + i * 1000));
    const before = (await receipts.list({ limit: 1000 })).length;
    assert.equal(before, 10);

    assert.equal(await receipts.prune(4), 6);
    const kept = await receipts.list({ limit: 1000 });
    assert.deepEqual(
      kept.map((r) => r.receivedAt),
      [9, 8, 7, 6].map((i) => base + i * 1000),
      'the newest four remain',
    );
    assert.equal(await receipts.prune(4), 0, 'nothing more to remove');
  });

  test('an unroutable webhook keeps a 2 KB excerpt without credentials, and its full size', async () => {
    const text = 'x'.repeat(20_000);
    const body = upsertBody({ instance: 'bounded-nowhere', apikey: 'receipt-secret-key', text });
    const res = await newton.evolution(body, { headers: { 'x-request-id': 'receipt-bounded-1' } });
    assert.equal(res.status, 202);
    const [r] = await newton.node.store.receipts.find({ traceId: 'receipt-bounded-1' });
    assert.ok(r, 'the receipt is kept');
    assert.equal(r.outcome, 'unroutable');
    assert.ok(r.bodySize > 20_000, `body_size ${r.bodySize} is the full size`);
    const excerpt = r.bodyExcerpt ?? '';
    assert.ok(excerpt.length <= 2049, `excerpt of ${excerpt.length} chars`);
    assert.ok(excerpt.endsWith('…'), 'a cut excerpt says so');
    assert.ok(!excerpt.includes('receipt-secret-key'));
  });

  test('a body over the webhook limit is refused and still leaves a bounded receipt', async () => {
    const limit = newton.node.config.webhookBodyLimit;
    const body = upsertBody({ instance: 'too-big', text: 'y'.repeat(limit + 1024) });
    const res = await newton.evolution(body, { headers: { 'x-request-id': 'receipt-bounded-2' } });
    assert.equal(res.status, 413);
    const [r] = await newton.node.store.receipts.find({ traceId: 'receipt-bounded-2' });
    assert.equal(r?.outcome, 'rejected');
    assert.ok((r?.bodyExcerpt ?? '').length <= 2049);
    assert.match(r?.reason ?? '', /\(HTTP 413\)$/);
  });
});

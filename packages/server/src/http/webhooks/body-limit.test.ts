/**
 * Issue #13: webhook bodies over WEBHOOK_BODY_LIMIT are answered 413 with the
 * provider, instance and event read from their head, and leave a receipt
 * routed to the instance's tenant (its diagnostics say so; the other tenant's
 * do not); embedded base64 that is truncated or not base64 never costs the
 * message: it is stored and delivered, without media, and the receipt says why.
 * The node's limit is 1 MiB here so that over-limit bodies stay cheap.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DiagnosticsReport, MessagePayload } from '@newton/protocol';
import { DEFAULT_INSTANCE, DEFAULT_OWN_NUMBER } from '../../../testing/evolution-fixtures.js';
import {
  base64ImageBody,
  jpegBytes,
  settledMedia,
  sha256,
} from '../../../testing/evolution-media-fixtures.js';
import { type HttpResult, TestNewton, type TestSocket } from '../../../testing/harness.js';

const TENANT = 'acme';
const OTHER = 'beta';
const LIMIT = 1024 * 1024;
let phones = 0;
const nextPhone = () => `5730045${String(++phones).padStart(5, '0')}`;

describe('webhook bodies: the limit, and embedded media that cannot be used', () => {
  let t: TestNewton;
  let socket: TestSocket;

  before(async () => {
    t = await TestNewton.start({ webhookBodyLimit: LIMIT });
    await t.addTenant(TENANT);
    await t.addTenant(OTHER);
    await t.addInstance({ tenantId: TENANT, name: DEFAULT_INSTANCE, number: DEFAULT_OWN_NUMBER });
    await t.addInstance({ tenantId: OTHER, name: 'beta-wa', number: '573155550000' });
    socket = await t.connect(TENANT);
  });
  after(() => t.close());

  const receiptOf = async (res: HttpResult) =>
    (await t.node.store.receipts.find({ traceId: String(res.body.trace_id) }))[0];

  async function diagnostics(tenant: string): Promise<DiagnosticsReport> {
    const res = await t.get(
      `/api/admin/diagnostics?tenant=${tenant}`,
      await t.token(tenant, { role: 'admin' }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as unknown as DiagnosticsReport;
  }

  test('over the limit: 413 naming provider, instance and event; a receipt for the tenant', async () => {
    const before = await t.node.store.receipts.list({ limit: 1000 });
    const body = base64ImageBody(jpegBytes(2 * LIMIT), { from: nextPhone() });
    const res = await t.evolution(body);
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.deepEqual(
      [res.body.error, res.body.provider, res.body.instance, res.body.event, res.body.limit],
      ['payload_too_large', 'evolution', DEFAULT_INSTANCE, 'messages.upsert', LIMIT],
    );
    assert.match(String(res.body.message), /WEBHOOK_BODY_LIMIT/);
    const r = await receiptOf(res);
    assert.deepEqual(
      [r?.provider, r?.outcome, r?.event, r?.instanceName, r?.tenantId, r?.bodyExcerpt],
      ['evolution', 'rejected', 'messages.upsert', DEFAULT_INSTANCE, TENANT, null],
    );
    assert.equal(r?.providerMessageId, body.data.key.id, 'which message was lost');
    assert.ok((r?.bodySize ?? 0) > 2 * LIMIT, `the full size was drained and recorded (${r?.bodySize})`);
    assert.match(r?.reason ?? '', /\(HTTP 413\)$/);
    const after = await t.node.store.receipts.list({ limit: 1000 });
    assert.equal(after.length, before.length + 1, 'one receipt, nothing else');

    // The operator sees who lost what: the tenant's diagnostics, and only that tenant's.
    const hop = (await diagnostics(TENANT)).hops.find((h) => h.id === 'webhooks');
    assert.equal(hop?.status, 'fail');
    assert.match(hop?.detail ?? '', /WEBHOOK_BODY_LIMIT/);
    assert.match(hop?.hint ?? '', /WEBHOOK_BODY_LIMIT/);
    assert.ok(!JSON.stringify(await diagnostics(OTHER)).includes('WEBHOOK_BODY_LIMIT'), 'not in beta');
    assert.deepEqual(
      (await t.node.store.receipts.list({ tenantId: OTHER, limit: 100 })).filter(
        (x) => x.outcome === 'rejected',
      ),
      [],
    );
  });

  test('over the limit without a Content-Length, by-events URL: same answer, event from the body', async () => {
    const raw = Buffer.from(JSON.stringify(base64ImageBody(jpegBytes(2 * LIMIT), { from: nextPhone() })));
    // A streamed body goes chunked: the limit is found while reading, not from a header.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < raw.length; at += 256 * 1024)
          controller.enqueue(raw.subarray(at, at + 256 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`${t.url}/webhooks/evolution/messages-upsert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'chunked-413' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const answer = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(
      [res.status, answer.instance, answer.event, answer.bytes],
      [413, DEFAULT_INSTANCE, 'messages.upsert', raw.length],
    );
    const [r] = await t.node.store.receipts.find({ traceId: 'chunked-413' });
    assert.deepEqual([r?.tenantId, r?.bodySize], [TENANT, raw.length]);
  });

  test('a head that names an unknown instance: 413 names it, the receipt has no tenant', async () => {
    const body = base64ImageBody(jpegBytes(2 * LIMIT), { instance: 'ghost', from: nextPhone() });
    const res = await t.evolution(body);
    assert.deepEqual([res.status, res.body.instance], [413, 'ghost']);
    const r = await receiptOf(res);
    assert.deepEqual([r?.instanceName, r?.tenantId], ['ghost', null]);
  });

  test('embedded media between 256 KiB and the limit is decoded on a worker thread', async () => {
    const image = jpegBytes(600 * 1024);
    const body = base64ImageBody(image, { from: nextPhone() });
    const res = await t.evolution(body);
    assert.deepEqual([res.status, res.body.outcome], [200, 'accepted']);
    const kept = await settledMedia(t, TENANT, res.body.message_id as string);
    assert.deepEqual([kept.state, kept.sha256], ['ready', sha256(image)]);
  });

  for (const [what, size, cut] of [
    ['truncated base64 (not a multiple of 4), small body', 20_000, (b: string) => b.slice(0, b.length - 5)],
    ['truncated base64 (a multiple of 4), worker-parsed body', 500_000, (b: string) => b.slice(0, 400_000)],
    ['characters outside base64', 20_000, (b: string) => `${b.slice(0, 1000)}!!!!${b.slice(1004)}`],
  ] as const) {
    test(`${what}: stored and delivered without media, the reason recorded`, async () => {
      const image = jpegBytes(size);
      const body = base64ImageBody(image, { from: nextPhone(), base64: cut(image.toString('base64')) });
      const res = await t.evolution(body);
      assert.deepEqual([res.status, res.body.outcome], [200, 'accepted'], JSON.stringify(res.body));
      const frame = await socket.next(
        (f) => f.type === 'new_message' && (f.message as MessagePayload).id === res.body.message_id,
      );
      assert.equal((frame.message as MessagePayload).type, 'image');
      assert.ok(JSON.stringify(frame).length < 4096, 'no base64 in the event');
      const r = await receiptOf(res);
      assert.equal(r?.outcome, 'accepted');
      assert.match(
        r?.reason ?? '',
        /embedded base64 (is truncated|has characters outside).*stored without its media$/,
      );
      // The keeper asks the provider instead of keeping broken bytes; none serves it here, so: failed, to be retried.
      const kept = await settledMedia(t, TENANT, res.body.message_id as string);
      assert.equal(kept.state, 'failed');
      assert.ok(kept.lastError, 'the failure has a reason');
      assert.ok(kept.nextAttemptAt !== null, 'and is retried');
    });
  }

  test('a body that is not JSON is still 400 invalid_json, without quoting the body', async () => {
    const res = await t.evolution(
      '{"event":"messages.upsert","instance":"newton-test","data":{"key":SECRETTEXT',
    );
    assert.deepEqual([res.status, res.body.error], [400, 'invalid_json']);
    assert.ok(!String(res.body.message).includes('SECRETTEXT'), String(res.body.message));
  });
});

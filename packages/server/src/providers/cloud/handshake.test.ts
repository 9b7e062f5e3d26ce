/**
 * The WhatsApp Cloud API verification handshake (`GET /webhooks/whatsapp`,
 * docs/api.md §1.8) over real HTTP: the challenge comes back only for a
 * configured verify token, and no token is ever echoed or stored.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLOUD_A as A, CLOUD_B as B, useCloudPair } from '../../../testing/cloud-pair.js';

const cloud = useCloudPair();

describe('GET /webhooks/whatsapp (verification)', () => {
  const verify = (q: Record<string, string>) => cloud().t.get(`/webhooks/whatsapp?${new URLSearchParams(q)}`);

  test('the right verify token gets the challenge back as text/plain', async () => {
    const r = await verify({
      'hub.mode': 'subscribe',
      'hub.verify_token': A.verify,
      'hub.challenge': '1158201444',
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(r.body.text ?? JSON.stringify(r.body), '1158201444');
  });

  test("any Cloud instance's token is accepted (the GET names no number)", async () => {
    const r = await verify({
      'hub.mode': 'subscribe',
      'hub.verify_token': B.verify,
      'hub.challenge': 'abc-XYZ',
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.text, 'abc-XYZ');
  });

  test('a wrong or missing token is 403, a wrong mode 400; none is echoed or stored', async () => {
    const wrong = await verify({
      'hub.mode': 'subscribe',
      'hub.verify_token': 'nope',
      'hub.challenge': '42',
    });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error, 'forbidden');
    assert.ok(!JSON.stringify(wrong.body).includes('42'));
    const missing = await verify({ 'hub.mode': 'subscribe', 'hub.challenge': '42' });
    assert.equal(missing.status, 403);
    const mode = await verify({
      'hub.mode': 'unsubscribe',
      'hub.verify_token': A.verify,
      'hub.challenge': '42',
    });
    assert.equal(mode.status, 400);
    const receipts = await cloud().t.node.store.receipts.list({ limit: 1000 });
    const verification = receipts.filter((r) => r.event === 'verification');
    assert.ok(
      verification.some(
        (r) => r.outcome === 'rejected' && /matches no Cloud API instance/.test(r.reason ?? ''),
      ),
    );
    assert.ok(!JSON.stringify(receipts).includes(A.verify), 'the verify token is never in a receipt');
  });
});

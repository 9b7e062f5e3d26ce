/**
 * Evolution webhooks over real HTTP against a real node (docs/api.md §1): the apikey, secret and JWT
 * credentials that are refused and accepted, redeliveries, and concurrent deliveries.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { upsertBody } from '../../../testing/evolution-fixtures.js';
import {
  APIKEY,
  answer,
  type Creds,
  Fixture,
  msgOf,
  nextPhone,
  SECRET,
  TENANT,
} from '../../../testing/evolution-webhook-node.js';

describe('Evolution webhook: credentials and idempotency', () => {
  const f = new Fixture({ apikey: APIKEY, webhookSecret: SECRET });
  const jwt = (secret: string, exp = '10m') =>
    new SignJWT({ app: 'evolution', action: 'webhook' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
  const bearer = async (token: string | Promise<string>): Promise<Creds> => ({
    headers: { authorization: `Bearer ${await token}` },
  });

  const refused: [string, () => Promise<Creds>][] = [
    ['a wrong body apikey', async () => ({ body: { apikey: 'ak-wrong-0000' } })],
    ['a wrong apikey header', async () => ({ headers: { apikey: 'ak-wrong-0000' } })],
    ['a wrong ?token=', async () => ({ path: '/webhooks/evolution?token=ws-wrong' })],
    ['a wrong bearer', () => bearer('ws-wrong')],
    ['a JWT signed with another secret', () => bearer(jwt('another-secret-xyz'))],
    ['an expired JWT', () => bearer(jwt(SECRET, '-2m'))],
    ['the secret sent as apikey', async () => ({ body: { apikey: SECRET } })],
    ['no credentials', async () => ({})],
  ];
  for (const [name, make] of refused) {
    test(`${name} → 401, nothing stored, no event`, async () => {
      const opts = await make();
      const body = upsertBody({ from: nextPhone(), ...opts.body });
      const seq = await f.lastSeq();
      const res = await f.unchanged(() => f.post(body, opts));
      assert.deepEqual(answer(res, 'error'), [401, 'rejected', 'webhook_unauthorized']);
      const r = await f.receipt(res, { outcome: 'rejected', tenantId: TENANT, messageId: null });
      assert.match(r.reason ?? '', /credentials/);
      for (const secret of [APIKEY, SECRET, 'ak-wrong-0000']) {
        assert.ok(!r.bodyExcerpt?.includes(secret), `body_excerpt must not contain ${secret}`);
      }
      assert.equal(await f.sentinel(), seq + 2, 'the next message takes the very next seqs');
      const leaked = f.socket.frames.filter((x) => JSON.stringify(x).includes(body.data.key.id));
      assert.deepEqual(leaked, []);
    });
  }

  const accepted: [string, () => Promise<Creds>][] = [
    ['body apikey', async () => ({ body: { apikey: APIKEY } })],
    ['apikey header', async () => ({ headers: { apikey: APIKEY } })],
    ['?token= secret', async () => ({ path: `/webhooks/evolution?token=${SECRET}` })],
    ['Authorization: Bearer <secret>', () => bearer(SECRET)],
    ['bearer HS256 JWT signed with the secret', () => bearer(jwt(SECRET))],
  ];
  for (const [name, make] of accepted) {
    test(`accepted with ${name}`, async () => {
      const { body: extra, ...opts } = await make();
      const from = nextPhone();
      const { message } = await f.accept(upsertBody({ from, ...extra, text: name }), opts);
      assert.deepEqual([message.content, message.phone], [name, `+${from}`]);
      assert.equal(msgOf(await f.frameFor(message.id)).content, name);
    });
  }

  test('a redelivery (same instance + key id) is 200 duplicate: one message, no second event', async () => {
    const body = upsertBody({ from: nextPhone(), apikey: APIKEY });
    const first = await f.accept(body);
    const seq = await f.lastSeq();
    const again = await f.unchanged(() => f.post(body));
    assert.deepEqual(answer(again, 'message_id'), [200, 'duplicate', first.message.id]);
    await f.receipt(again, { outcome: 'duplicate', messageId: first.message.id });
    assert.equal((await f.messages(first.conv.id)).length, 1);
    assert.equal(await f.sentinel(), seq + 2, 'no event was appended for the duplicate');
    const { id } = first.message;
    assert.equal(f.socket.frames.filter((x) => x.type === 'new_message' && msgOf(x).id === id).length, 1);
  });

  test('two different messages from a new number at once make one lead and one conversation', async () => {
    const from = nextPhone();
    const bodies = ['uno', 'dos'].map((text) => upsertBody({ from, text, apikey: APIKEY }));
    const seq = await f.lastSeq();
    const both = await Promise.all(bodies.map((b) => f.post(b)));
    const outcomes = both.map((r) => `${r.status} ${r.body.outcome}`);
    assert.deepEqual(outcomes, ['200 accepted', '200 accepted']);
    assert.equal(both[0]?.body.conversation_id, both[1]?.body.conversation_id);
    const contents = (await f.messages(both[0]?.body.conversation_id)).map((m) => m.content).sort();
    assert.deepEqual(contents, ['dos', 'uno']);
    assert.equal(await f.lastSeq(), seq + 3, 'one lead_created and two new_message');
  });

  test('the same body delivered twice at once makes exactly one message', async () => {
    const body = upsertBody({ from: nextPhone(), apikey: APIKEY });
    const seq = await f.lastSeq();
    const both = await Promise.all([f.post(body), f.post(body)]);
    assert.deepEqual([both[0]?.status, both[1]?.status], [200, 200]);
    assert.equal(both[0]?.body.message_id, both[1]?.body.message_id);
    assert.deepEqual(both.map((r) => r.body.outcome).sort(), ['accepted', 'duplicate']);
    assert.equal((await f.messages(both[0]?.body.conversation_id)).length, 1);
    assert.equal(await f.lastSeq(), seq + 2, 'lead_created and new_message, once');
  });
});

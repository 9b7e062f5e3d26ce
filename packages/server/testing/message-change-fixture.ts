/**
 * Set-up of the reaction, quote and deletion tests (issue #13 §3–5, tests
 * only): two tenants, each with an Evolution instance (`<tenant>-wa`) and a
 * Cloud API number, on one node; two sockets on the first tenant and one on
 * the second; and the checks every such test makes — a frame reached each
 * socket of the tenant exactly once, and the other tenant's socket none.
 */
import assert from 'node:assert/strict';
import type { MessagePayload } from '@newton/protocol';
import { cloudBody, messagesValue } from './cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook } from './cloud-node.js';
import type { Frame, HttpResult, TestSocket } from './harness.js';
import { ReplyFixture } from './reply-fixture.js';

export const TENANT_A = 'relacme';
export const TENANT_B = 'relbeta';
/** phone_number_id and app secret of each tenant's Cloud number. */
export const CLOUD = {
  [TENANT_A]: { pnid: '301111111111111', secret: 'app-secret-rel-a' },
  [TENANT_B]: { pnid: '302222222222222', secret: 'app-secret-rel-b' },
} as const;

export class MessageChangeFixture {
  private constructor(
    readonly f: ReplyFixture,
    readonly a1: TestSocket,
    readonly a2: TestSocket,
    readonly b: TestSocket,
  ) {}

  static async start(): Promise<MessageChangeFixture> {
    const f = await ReplyFixture.start([TENANT_A, TENANT_B]);
    for (const tenant of [TENANT_A, TENANT_B] as const) {
      await addCloudNumber(f.t, {
        tenantId: tenant,
        phoneNumberId: CLOUD[tenant].pnid,
        accessToken: `EAAG-${tenant}`,
        appSecret: CLOUD[tenant].secret,
      });
    }
    const [a1, a2, b] = [
      await f.t.connect(TENANT_A),
      await f.t.connect(TENANT_A),
      await f.t.connect(TENANT_B),
    ];
    return new MessageChangeFixture(f, a1, a2, b);
  }

  /** A signed Cloud webhook for `tenant`'s number. */
  cloud(tenant: keyof typeof CLOUD, body: unknown): Promise<HttpResult> {
    return postCloudWebhook(this.f.t, body, CLOUD[tenant].secret);
  }

  /** A customer's Cloud text with this wamid; returns the stored ids. */
  async cloudText(tenant: keyof typeof CLOUD, from: string, id: string, text: string) {
    const res = await this.cloud(
      tenant,
      cloudBody(
        messagesValue({
          phoneNumberId: CLOUD[tenant].pnid,
          from,
          id,
          content: { type: 'text', text: { body: text } },
        }),
      ),
    );
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    return { conversationId: String(res.body.conversation_id), messageId: String(res.body.message_id) };
  }

  /**
   * Waits until a fresh message of each tenant reached its sockets (events
   * arrive in seq order: everything before it has arrived too), then asserts
   * `match` hit each socket of A exactly `times` times and B's never.
   */
  async deliveredOnce(match: (f: Frame) => boolean, times = 1): Promise<Frame[]> {
    for (const [tenant, sockets] of [
      [TENANT_A, [this.a1, this.a2]],
      [TENANT_B, [this.b]],
    ] as const) {
      const { messageId } = await this.f.inbound(tenant, { from: this.f.nextPhone(), text: 'barrera' });
      for (const s of sockets) {
        await s.next((x) => x.type === 'new_message' && (x.message as MessagePayload).id === messageId);
      }
    }
    const a1 = this.a1.events().filter(match);
    assert.equal(a1.length, times, `first socket: ${JSON.stringify(a1)}`);
    assert.equal(this.a2.events().filter(match).length, times, 'second socket');
    assert.equal(this.b.events().filter(match).length, 0, "the other tenant's socket");
    return a1;
  }

  /** The message with `id` as `GET /api/conversations/{id}/messages` returns it. */
  async stored(tenant: string, conversationId: string, id: string): Promise<MessagePayload> {
    const found = (await this.f.messages(tenant, conversationId)).filter((m) => m.id === id);
    assert.equal(found.length, 1);
    return found[0] as unknown as MessagePayload;
  }

  /** The receipt of a webhook answer. */
  async receipt(of: HttpResult) {
    const all = await this.f.t.node.store.receipts.list({ limit: 1000 });
    const found = all.find((r) => r.traceId === of.body.trace_id);
    assert.ok(found, `a receipt for ${String(of.body.trace_id)}`);
    return found;
  }

  close(): Promise<void> {
    return this.f.close();
  }
}

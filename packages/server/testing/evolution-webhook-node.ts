/**
 * The node behind the Evolution webhook tests (packages/server/src/providers/evolution/webhook-*.test.ts):
 * tenants, instances and credentials, fresh phones and LIDs, and a `Fixture` that posts webhooks over real
 * HTTP and reads back what was stored, sent live and recorded as a receipt (for tests only).
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { ConversationState, LeadPayload, MessagePayload } from '@newton/protocol';
import { sql } from 'kysely';
import type { WebhookReceipt } from '../src/core/index.js';
import {
  DEFAULT_INSTANCE,
  DEFAULT_OWN_NUMBER,
  type UpsertOptions,
  upsertBody,
} from './evolution-fixtures.js';
import { type HttpResult, TestNewton, type TestSocket } from './harness.js';

export type Obj = Record<string, unknown>;
export type Creds = { body?: UpsertOptions; path?: string; headers?: Record<string, string> };
export const TENANT = 'acme';
export const OTHER_TENANT = 'beta';
export const OTHER_NUMBER = '573155550000';
export const BR_NUMBER = '5521987650000';
export const APIKEY = 'ak-7d1f0c2e9b8a4f3d';
export const SECRET = 'ws-3b9e2a7c5d1f4e8a9c0b';

export let counter = 0;
/** A fresh Colombian mobile (digits), so that each test has its own lead. */
export const nextPhone = () => `5730012${String(++counter).padStart(5, '0')}`;
/** A fresh LID (digits). */
export const nextLid = () => `2748607${String(++counter).padStart(8, '0')}`;
export const msgOf = (f: Obj) => f.message as MessagePayload;
/** Status, outcome and one more field of a webhook answer. */
export const answer = (r: HttpResult, field = 'reason') => [r.status, r.body.outcome, r.body[field]];

/** Deep partial match: every key of `expected` must equal the same key of `actual`. */
export function assertSubset(actual: unknown, expected: unknown, at = '$'): void {
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${at} should be an object`);
    if (Array.isArray(expected)) assert.equal((actual as unknown[]).length, expected.length, `${at}.length`);
    for (const [k, v] of Object.entries(expected)) assertSubset((actual as Obj)[k], v, `${at}.${k}`);
  } else assert.deepEqual(actual, expected, at);
}

/** One node: tenant `acme` with instance `newton-test`, tenant `beta` with two; a socket and a token. */
export class Fixture {
  t!: TestNewton;
  token!: string;
  socket!: TestSocket;

  constructor(private readonly guard: { apikey?: string; webhookSecret?: string } = {}) {
    before(async () => {
      this.t = await TestNewton.start();
      await this.t.addTenant(TENANT);
      await this.t.addTenant(OTHER_TENANT);
      const own = { tenantId: TENANT, name: DEFAULT_INSTANCE, number: DEFAULT_OWN_NUMBER };
      await this.t.addInstance({ ...own, ...guard });
      await this.t.addInstance({ tenantId: OTHER_TENANT, name: 'beta-wa', number: OTHER_NUMBER });
      await this.t.addInstance({ tenantId: OTHER_TENANT, name: 'beta-br', number: BR_NUMBER });
      this.token = await this.t.token(TENANT);
      this.socket = await this.t.connect(TENANT);
    });
    after(() => this.t.close());
  }

  post(body: unknown, opts: Creds = {}): Promise<HttpResult> {
    return this.t.evolution(body, opts);
  }

  async api<T>(path: string): Promise<T> {
    const res = await this.t.get(path, this.token);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body as T;
  }

  async messages(conversationId: unknown): Promise<MessagePayload[]> {
    return (await this.api<{ items: MessagePayload[] }>(`/api/conversations/${conversationId}/messages`))
      .items;
  }

  /** Posts, expects 200 `accepted`, and reads the message, conversation and lead back over REST. */
  async accept(body: unknown, opts: Creds = {}) {
    const res = await this.post(body, opts);
    assert.deepEqual([res.status, res.body.outcome], [200, 'accepted'], JSON.stringify(res.body));
    const conv = await this.api<ConversationState>(`/api/conversations/${res.body.conversation_id}`);
    const message = (await this.messages(conv.id)).find((m) => m.id === res.body.message_id);
    assert.ok(message, 'the accepted message is listed in its conversation');
    const lead = await this.api<LeadPayload>(`/api/leads/${conv.lead_id}`);
    return { res, conv, message, lead };
  }

  /** The receipt of a webhook answer, checked against `expected`. */
  async receipt(of: HttpResult, expected: Partial<WebhookReceipt> = {}): Promise<WebhookReceipt> {
    const traceId = of.body.trace_id;
    const found = (await this.t.node.store.receipts.list({ limit: 1000 })).find((r) => r.traceId === traceId);
    assert.ok(found, `a receipt for trace ${String(traceId)}`);
    assertSubset(found, expected, 'receipt');
    return found;
  }

  async latestRejected(): Promise<WebhookReceipt | undefined> {
    return (await this.t.node.store.receipts.list({ outcome: 'rejected', limit: 1 }))[0];
  }

  async lastSeq(tenant = TENANT): Promise<number> {
    return (await this.t.node.store.logState(tenant))?.lastSeq ?? -1;
  }

  /** Row counts of the tenant's leads, conversations and messages, and its last seq. */
  async state(tenant = TENANT): Promise<number[]> {
    const out: number[] = [];
    for (const table of ['leads', 'conversations', 'messages']) {
      const q = sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where tenant_id = ${tenant}`;
      out.push(Number((await q.execute(this.t.node.store.db)).rows[0]?.n));
    }
    return [...out, await this.lastSeq(tenant)];
  }

  /** Runs `fn` and asserts it stored nothing: no lead, conversation, message or event. */
  async unchanged<T>(fn: () => Promise<T>): Promise<T> {
    const before = await this.state();
    const result = await fn();
    assert.deepEqual(await this.state(), before, 'no lead, conversation, message or event');
    return result;
  }

  /** The live `new_message` frame for a message id. */
  async frameFor(messageId: string) {
    return this.socket.next((x) => x.type === 'new_message' && msgOf(x).id === messageId);
  }

  /** Stores a message for a new lead and waits for its live event; returns that event's seq. */
  async sentinel(): Promise<number> {
    const body = upsertBody({ from: nextPhone(), apikey: this.guard.apikey ?? null });
    const { message } = await this.accept(body);
    return Number((await this.frameFor(message.id)).seq);
  }
}

/**
 * A tenant with an Evolution instance pointed at a provider simulator, for
 * the reply/status tests (internal, tests only). Webhooks carry the instance's
 * apikey header, as an Evolution instance configured with one would.
 */
import assert from 'node:assert/strict';
import type { Config } from '../src/config.js';
import type { Instance } from '../src/core/index.js';
import { type UpsertOptions, upsertBody } from './evolution-fixtures.js';
import { type HttpResult, TestNewton, type TestSocket } from './harness.js';
import { type EvolutionSim, installEvolution } from './provider-simulator/evolution.js';
import { ProviderSimulator } from './provider-simulator/server.js';

/** Small timeouts and backoffs so that retries finish in milliseconds. */
export const FAST_SEND: Partial<Config> = {
  providerTimeoutMs: 300,
  sendMaxAttempts: 3,
  sendRetryBaseMs: 20,
  sendRetryMaxMs: 80,
  sendResumeAfterMs: 0,
};

export interface TenantSetup {
  tenant: string;
  instance: Instance;
  apikey: string;
  token: string;
}

export class ReplyFixture {
  private phoneCounter = 0;

  private constructor(
    readonly t: TestNewton,
    readonly sim: ProviderSimulator,
    readonly evo: EvolutionSim,
    readonly tenants: Map<string, TenantSetup>,
  ) {}

  /** A node, a simulator and one instance per tenant (`<tenant>-wa`, apikey `key-<tenant>`). */
  static async start(tenantIds: string[], overrides: Partial<Config> = {}): Promise<ReplyFixture> {
    const sim = await ProviderSimulator.start();
    const evo = installEvolution(sim, {
      instances: Object.fromEntries(tenantIds.map((id) => [`${id}-wa`, `key-${id}`])),
    });
    const t = await TestNewton.start({ ...FAST_SEND, ...overrides });
    const tenants = new Map<string, TenantSetup>();
    for (const id of tenantIds) {
      await t.addTenant(id);
      const instance = await t.addInstance({
        tenantId: id,
        name: `${id}-wa`,
        apikey: `key-${id}`,
        baseUrl: sim.url,
      });
      tenants.set(id, {
        tenant: id,
        instance,
        apikey: `key-${id}`,
        token: await t.token(id, { user: `agent-${id}` }),
      });
    }
    return new ReplyFixture(t, sim, evo, tenants);
  }

  setup(tenant: string): TenantSetup {
    const s = this.tenants.get(tenant);
    assert.ok(s, `no tenant ${tenant}`);
    return s;
  }

  nextPhone(): string {
    return `5730055${String(++this.phoneCounter).padStart(5, '0')}`;
  }

  /** Posts an Evolution webhook for `tenant`'s instance with its apikey header. */
  webhook(tenant: string, body: unknown): Promise<HttpResult> {
    return this.t.evolution(body, { headers: { apikey: this.setup(tenant).apikey } });
  }

  /** An inbound message through the real webhook; returns its ids. */
  async inbound(
    tenant: string,
    opts: UpsertOptions = {},
  ): Promise<{ conversationId: string; messageId: string }> {
    const res = await this.webhook(tenant, upsertBody({ instance: `${tenant}-wa`, sender: null, ...opts }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'accepted', JSON.stringify(res.body));
    return { conversationId: String(res.body.conversation_id), messageId: String(res.body.message_id) };
  }

  /** `POST /api/conversations/{id}/messages` as the tenant's agent (or with `token`). */
  reply(tenant: string, conversationId: string, body: unknown, token?: string): Promise<HttpResult> {
    return this.t.post(`/api/conversations/${conversationId}/messages`, body, {
      authorization: `Bearer ${token ?? this.setup(tenant).token}`,
    });
  }

  postAs(tenant: string, path: string, body: unknown = {}, token?: string): Promise<HttpResult> {
    return this.t.post(path, body, { authorization: `Bearer ${token ?? this.setup(tenant).token}` });
  }

  async getJson(tenant: string, path: string): Promise<Record<string, unknown>> {
    const res = await this.t.get(path, this.setup(tenant).token);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** The conversation's messages, oldest first. */
  async messages(tenant: string, conversationId: string): Promise<Record<string, unknown>[]> {
    const page = await this.getJson(tenant, `/api/conversations/${conversationId}/messages?limit=200`);
    return [...(page.items as Record<string, unknown>[])].reverse();
  }

  /** Waits for `message_status` `status` of `messageId` on a socket. */
  statusOn(s: TestSocket, messageId: string, status: string, timeoutMs = 5000) {
    return s.next(
      (f) => f.type === 'message_status' && f.message_id === messageId && f.status === status,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    await this.t.close();
    await this.sim.close();
  }
}

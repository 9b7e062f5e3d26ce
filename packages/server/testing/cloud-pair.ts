/**
 * Two tenants with one WhatsApp Cloud API number each on a TestNewton, a
 * socket per tenant, and helpers to post signed webhooks and read what they
 * stored: the set-up of the Cloud webhook tests. For tests only.
 */

import { after, before } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import type { Config } from '../src/config.js';
import { metaJson, signedHeaders } from './cloud-fixtures.js';
import { addCloudNumber } from './cloud-node.js';
import { type Frame, type HttpResult, TestNewton, type TestSocket } from './harness.js';

export const CLOUD_A = {
  tenant: 'acme',
  pnid: '106540352242922',
  secret: 'app-secret-acme-9f8e7d',
  verify: 'verify-acme-1a2b',
};
export const CLOUD_B = {
  tenant: 'beta',
  pnid: '209876543210987',
  secret: 'app-secret-beta-3c4d5e',
  verify: 'verify-beta-6f7a',
};

export interface SignedPostOptions {
  /** Send raw UTF-8 instead of Meta's `\uXXXX`-escaped JSON. @default false */
  utf8?: boolean;
  headers?: Record<string, string>;
}

export class CloudPair {
  private phoneCounter = 0;

  private constructor(
    readonly t: TestNewton,
    readonly socketA: TestSocket,
    readonly socketB: TestSocket,
  ) {}

  /** `overrides` changes the node's configuration (e.g. a small WEBHOOK_BODY_LIMIT). */
  static async start(overrides: Partial<Config> = {}): Promise<CloudPair> {
    const t = await TestNewton.start(overrides);
    for (const x of [CLOUD_A, CLOUD_B]) {
      await t.addTenant(x.tenant);
      await addCloudNumber(t, {
        tenantId: x.tenant,
        phoneNumberId: x.pnid,
        accessToken: `EAAG-token-${x.tenant}`,
        appSecret: x.secret,
        verifyToken: x.verify,
      });
    }
    return new CloudPair(t, await t.connect(CLOUD_A.tenant), await t.connect(CLOUD_B.tenant));
  }

  /** A fresh customer number (digits) for each call. */
  nextPhone(): string {
    return `5730055${String(++this.phoneCounter).padStart(5, '0')}`;
  }

  /** Posts `body` signed with `secret`: as Meta sends it (escaped) or as raw UTF-8. */
  post(body: unknown, secret: string, opts: SignedPostOptions = {}): Promise<HttpResult> {
    const raw = opts.utf8 ? JSON.stringify(body) : metaJson(body);
    return this.t.post('/webhooks/whatsapp', raw, { ...signedHeaders(raw, secret), ...opts.headers });
  }

  /** Stored message rows with this provider id, in any tenant. */
  messageRows(providerId: string) {
    return this.t.node.store.db
      .selectFrom('messages')
      .selectAll()
      .where('provider_message_id', '=', providerId)
      .execute();
  }

  async receiptsOf(traceId: string) {
    const all = await this.t.node.store.receipts.list({ limit: 1000 });
    return all.filter((r) => r.traceId === traceId);
  }

  close(): Promise<void> {
    return this.t.close();
  }
}

/** The next `new_message` frame on `s` for the message with this wamid. */
export const newMessageFor = (s: TestSocket, wamid: string): Promise<Frame> =>
  s.next((f) => f.type === 'new_message' && (f.message as MessagePayload).provider_message_id === wamid);

/**
 * Starts a CloudPair before the file's tests and closes it after them
 * (node:test hooks); the returned getter gives it to the tests.
 */
export function useCloudPair(overrides: Partial<Config> = {}): () => CloudPair {
  let pair: CloudPair | undefined;
  before(async () => {
    pair = await CloudPair.start(overrides);
  });
  after(() => pair?.close());
  return () => {
    if (!pair) throw new Error('the CloudPair is not started yet (use it inside a test)');
    return pair;
  };
}

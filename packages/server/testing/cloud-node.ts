/**
 * Set-up shared by tests that run Cloud API numbers on a TestNewton: adding a
 * number (with its secrets) to a tenant, and posting a webhook signed the way
 * Meta signs it. For tests only.
 */

import type { Instance } from '../src/core/index.js';
import { metaJson, signedHeaders } from './cloud-fixtures.js';
import type { HttpResult, TestNewton } from './harness.js';

export interface CloudNumber {
  tenantId: string;
  /** phone_number_id: the instance's name. */
  phoneNumberId: string;
  /** The access token (Bearer) the number sends with. */
  accessToken: string;
  /** null: a number that cannot check signatures (tests of that case). */
  appSecret: string | null;
  /** @default 'vt' */
  verifyToken?: string;
  /** Graph API base incl. version, e.g. the simulator's `cloud.graphUrl`. */
  baseUrl?: string | null;
}

/** Adds a Cloud API instance to a tenant that exists already. */
export function addCloudNumber(t: TestNewton, n: CloudNumber): Promise<Instance> {
  return t.addInstance({
    tenantId: n.tenantId,
    provider: 'cloud',
    name: n.phoneNumberId,
    apikey: n.accessToken,
    appSecret: n.appSecret,
    verifyToken: n.verifyToken ?? 'vt',
    ...(n.baseUrl !== undefined ? { baseUrl: n.baseUrl } : {}),
  });
}

/** `POST /webhooks/whatsapp` of `body` as Meta sends it (escaped JSON), signed with `appSecret`. */
export function postCloudWebhook(t: TestNewton, body: unknown, appSecret: string): Promise<HttpResult> {
  const raw = metaJson(body);
  return t.post('/webhooks/whatsapp', raw, signedHeaders(raw, appSecret));
}

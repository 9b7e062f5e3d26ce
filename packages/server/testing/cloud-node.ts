/**
 * Set-up shared by tests that run Cloud API numbers on a TestNewton: a node
 * next to a simulated Graph API, adding a number (with its secrets) to a
 * tenant, and posting a webhook signed the way Meta signs it. For tests only.
 */

import type { Config } from '../src/config.js';
import type { Instance } from '../src/core/index.js';
import { metaJson, signedHeaders } from './cloud-fixtures.js';
import { type HttpResult, TestNewton } from './harness.js';
import { type CloudSim, installCloud } from './provider-simulator/cloud.js';
import { ProviderSimulator } from './provider-simulator/server.js';

/** A TestNewton with its tenants, next to a provider simulator playing Meta's Graph API. */
export interface SimulatedCloud {
  t: TestNewton;
  sim: ProviderSimulator;
  cloud: CloudSim;
  /** Closes the node, the Cloud media host and the simulator. */
  close(): Promise<void>;
}

/**
 * Starts the simulator with the Cloud API for `numbers` (phone_number_id → access token),
 * then a TestNewton (with `config`) holding `tenants`. Numbers are added by the test.
 */
export async function startSimulatedCloud(o: {
  numbers: Record<string, string>;
  tenants: string[];
  config?: Partial<Config>;
}): Promise<SimulatedCloud> {
  const sim = await ProviderSimulator.start();
  const cloud = installCloud(sim, { numbers: o.numbers });
  const t = await TestNewton.start(o.config);
  for (const tenant of o.tenants) await t.addTenant(tenant);
  const close = async () => {
    await t.close();
    await cloud.close();
    await sim.close();
  };
  return { t, sim, cloud, close };
}

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

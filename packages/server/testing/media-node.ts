/**
 * Set-up shared by the durable-media tests (#13): a TestNewton on a clock the
 * test moves, next to a provider simulator playing Evolution and the Cloud
 * API, with helpers to store a media message through the real webhook and to
 * read `GET /api/messages/{id}/media` with any header. For tests only.
 */
import assert from 'node:assert/strict';
import type { Config } from '../src/config.js';
import { cloudBody, cloudMessage, messagesValue, randomWamid } from './cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook } from './cloud-node.js';
import type { TestDatabase } from './databases.js';
import { imageMessage, randomMessageId, upsertBody } from './evolution-fixtures.js';
import { TestNewton } from './harness.js';
import { type CloudSim, installCloud } from './provider-simulator/cloud.js';
import { type EvolutionSim, installEvolution } from './provider-simulator/evolution.js';
import { ProviderSimulator } from './provider-simulator/server.js';

export const TENANT = 'acme';
export const OTHER = 'beta';
export const EVO_INSTANCE = 'acme-wa';
export const EVO_KEY = 'evo-key-acme-123';
export const PNID = '106540352242922';
export const CLOUD_TOKEN = 'EAAG-access-token-acme';
export const CLOUD_SECRET = 'app-secret-acme';

/** A clock the node schedules media retries by; `advance` moves it. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The provider simulator with Evolution (one instance) and the Cloud API (one number). */
export interface MediaProviders {
  sim: ProviderSimulator;
  evo: EvolutionSim;
  cloud: CloudSim;
  close(): Promise<void>;
}

export async function startMediaProviders(): Promise<MediaProviders> {
  const sim = await ProviderSimulator.start();
  const evo = installEvolution(sim, { instances: { [EVO_INSTANCE]: EVO_KEY } });
  const cloud = installCloud(sim, { numbers: { [PNID]: CLOUD_TOKEN } });
  return {
    sim,
    evo,
    cloud,
    close: async () => {
      await cloud.close();
      await sim.close();
    },
  };
}

/**
 * Starts a node on `clock` with tenants acme and beta and acme's Evolution
 * instance and Cloud number on `p`; `setup: false` when they exist already
 * (a restart on the same data).
 */
export async function startMediaNode(
  p: MediaProviders,
  clock: TestClock,
  config: Partial<Config> = {},
  opts: { dataDir?: string; database?: TestDatabase; setup?: boolean } = {},
): Promise<TestNewton> {
  const t = await TestNewton.start(
    { mediaSweepIntervalMs: 0, ...config },
    {
      now: clock.now,
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      ...(opts.database ? { database: opts.database } : {}),
    },
  );
  if (opts.setup === false) return t;
  await t.addTenant(TENANT);
  await t.addTenant(OTHER);
  await t.addInstance({ tenantId: TENANT, name: EVO_INSTANCE, apikey: EVO_KEY, baseUrl: p.sim.url });
  await addCloudNumber(t, {
    tenantId: TENANT,
    phoneNumberId: PNID,
    accessToken: CLOUD_TOKEN,
    appSecret: CLOUD_SECRET,
    baseUrl: p.cloud.graphUrl,
  });
  return t;
}

/** An Evolution image stored through the webhook (Evolution serves `bytes` once); its Newton id and key.id. */
export async function evolutionImage(
  t: TestNewton,
  p: MediaProviders,
  bytes: Buffer | null,
): Promise<{ id: string; keyId: string }> {
  const keyId = randomMessageId();
  if (bytes) p.evo.media.set(keyId, { mimetype: 'image/jpeg', base64: bytes.toString('base64'), once: true });
  const r = await t.evolution(
    upsertBody({
      instance: EVO_INSTANCE,
      apikey: EVO_KEY,
      id: keyId,
      message: imageMessage('foto'),
      sender: null,
    }),
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
  return { id: String(r.body.message_id), keyId };
}

/** A Cloud document stored through the webhook (Meta serves `bytes` once); its Newton id. */
export async function cloudDocument(
  t: TestNewton,
  p: MediaProviders,
  mediaId: string,
  bytes: Buffer,
  filename: string,
): Promise<string> {
  p.cloud.media.set(mediaId, { mimeType: 'application/pdf', bytes, once: true });
  const body = cloudBody(
    messagesValue({ phoneNumberId: PNID }, [
      cloudMessage({
        id: randomWamid(),
        content: {
          type: 'document',
          document: { id: mediaId, mime_type: 'application/pdf', filename, sha256: 'x' },
        },
      }),
    ]),
  );
  const r = await postCloudWebhook(t, body, CLOUD_SECRET);
  assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
  return String(r.body.message_id);
}

export interface MediaAnswer {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/** `GET /api/messages/{id}/media` with a bearer token and any other headers (e.g. Range). */
export async function getMedia(
  t: TestNewton,
  id: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<MediaAnswer> {
  const res = await fetch(`${t.url}/api/messages/${id}/media`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The media record of a message as the store keeps it. */
export function mediaRecord(t: TestNewton, id: string) {
  return t.node.store.mediaState.record(TENANT, id);
}

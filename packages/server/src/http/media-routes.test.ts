/**
 * `GET /api/messages/{id}/media` against the provider simulator, while the
 * media keeper has not kept the bytes (here: the provider had nothing when it
 * tried; media/durable-media.test.ts covers the kept side): Evolution
 * (getBase64FromMediaMessage) and the Cloud API (media id → url → bytes)
 * stream the right bytes and type; over MEDIA_MAX_BYTES is 413; another
 * tenant's message is 404; a failing provider is 502 with a clear message.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { cloudBody, cloudMessage, messagesValue, randomWamid } from '../../testing/cloud-fixtures.js';
import { addCloudNumber, postCloudWebhook, startSimulatedCloud } from '../../testing/cloud-node.js';
import {
  documentMessage,
  imageMessage,
  randomMessageId,
  upsertBody,
} from '../../testing/evolution-fixtures.js';
import type { TestNewton } from '../../testing/harness.js';
import type { CloudSim } from '../../testing/provider-simulator/cloud.js';
import {
  EVOLUTION_GET_BASE64,
  type EvolutionSim,
  installEvolution,
} from '../../testing/provider-simulator/evolution.js';
import type { ProviderSimulator } from '../../testing/provider-simulator/server.js';

const MAX = 64 * 1024;
const TENANT = 'acme';
const OTHER = 'beta';
const EVO_INSTANCE = 'acme-wa';
const EVO_KEY = 'evo-key-acme-123';
const PNID = '106540352242922';
const TOKEN = 'EAAG-access-token-acme';
const SECRET = 'app-secret-acme';

let t: TestNewton;
let sim: ProviderSimulator;
let evo: EvolutionSim;
let cloud: CloudSim;
let token: string;
let otherToken: string;
let close: () => Promise<void>;

before(async () => {
  ({ t, sim, cloud, close } = await startSimulatedCloud({
    numbers: { [PNID]: TOKEN },
    tenants: [TENANT, OTHER],
    config: { mediaMaxBytes: MAX },
  }));
  evo = installEvolution(sim, { instances: { [EVO_INSTANCE]: EVO_KEY } });
  await t.addInstance({ tenantId: TENANT, name: EVO_INSTANCE, apikey: EVO_KEY, baseUrl: sim.url });
  await addCloudNumber(t, {
    tenantId: TENANT,
    phoneNumberId: PNID,
    accessToken: TOKEN,
    appSecret: SECRET,
    baseUrl: cloud.graphUrl,
  });
  token = await t.token(TENANT);
  otherToken = await t.token(OTHER);
});
after(() => close());

/** An Evolution media message stored through the webhook; returns [Newton id, key.id]. */
async function evolutionMedia(message: Record<string, unknown>): Promise<[string, string]> {
  const keyId = randomMessageId();
  const r = await t.evolution(
    upsertBody({ instance: EVO_INSTANCE, apikey: EVO_KEY, id: keyId, message, sender: null }),
  );
  assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
  return [String(r.body.message_id), keyId];
}

/** A Cloud media message stored through the webhook; returns the Newton id. */
async function cloudMedia(content: Record<string, unknown>): Promise<string> {
  const body = cloudBody(
    messagesValue({ phoneNumberId: PNID }, [cloudMessage({ id: randomWamid(), content })]),
  );
  const r = await postCloudWebhook(t, body, SECRET);
  assert.equal(r.body.outcome, 'accepted', JSON.stringify(r.body));
  return String(r.body.message_id);
}

async function media(
  id: string,
  as = token,
): Promise<{
  status: number;
  type: string | null;
  cache: string | null;
  bytes: Buffer;
  json: Record<string, unknown> | null;
}> {
  const res = await fetch(`${t.url}/api/messages/${id}/media`, {
    headers: { authorization: `Bearer ${as}` },
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = null;
  }
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    cache: res.headers.get('cache-control'),
    bytes,
    json,
  };
}

describe('GET /api/messages/{id}/media', () => {
  test('Evolution media streams through with its bytes and content type', async () => {
    const [id, keyId] = await evolutionMedia(imageMessage('Mi factura'));
    const bytes = randomBytes(20_000);
    evo.media.set(keyId, { mimetype: 'image/jpeg', base64: bytes.toString('base64') });
    const r = await media(id);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.type, 'image/jpeg');
    assert.match(r.cache ?? '', /^private/);
    assert.ok(r.bytes.equals(bytes));
    const [req] = sim.requests(EVOLUTION_GET_BASE64).slice(-1);
    assert.equal(req?.path, `/chat/getBase64FromMediaMessage/${EVO_INSTANCE}`);
    assert.equal(req?.headers.apikey, EVO_KEY);
    assert.deepEqual(req?.body, { message: { key: { id: keyId } }, convertToMp4: false });
  });

  test('Cloud API media streams through: media id → url → bytes, with the bearer token', async () => {
    const bytes = randomBytes(30_000);
    cloud.media.set('MEDIA-OK', { mimeType: 'image/png', bytes });
    const id = await cloudMedia({
      type: 'image',
      image: { id: 'MEDIA-OK', mime_type: 'image/png', sha256: 'x' },
    });
    const r = await media(id);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.type, 'image/png');
    assert.match(r.cache ?? '', /^private/);
    assert.ok(r.bytes.equals(bytes));
    assert.deepEqual(cloud.downloads.at(-1), { mediaId: 'MEDIA-OK', authorization: `Bearer ${TOKEN}` });
  });

  test('over MEDIA_MAX_BYTES is 413 media_too_large, whoever says so', async () => {
    // Evolution: the webhook's fileLength already says so; nothing is fetched.
    const before = sim.requests(EVOLUTION_GET_BASE64).length;
    const [docId] = await evolutionMedia(documentMessage('catalogo.pdf'));
    const doc = await media(docId);
    assert.equal(doc.status, 413);
    assert.equal(doc.json?.error, 'media_too_large');
    assert.equal(sim.requests(EVOLUTION_GET_BASE64).length, before);
    // Evolution: the bytes it answers are larger than announced.
    const [imgId, keyId] = await evolutionMedia(imageMessage());
    evo.media.set(keyId, { mimetype: 'image/jpeg', base64: randomBytes(MAX + 1).toString('base64') });
    assert.equal((await media(imgId)).status, 413);
    // Cloud: file_size in the media metadata.
    cloud.media.set('MEDIA-BIG', { mimeType: 'video/mp4', bytes: randomBytes(MAX + 10) });
    const big = await cloudMedia({
      type: 'video',
      video: { id: 'MEDIA-BIG', mime_type: 'video/mp4', sha256: 'x' },
    });
    const r = await media(big);
    assert.equal(r.status, 413);
    assert.match(String(r.json?.message), /MEDIA_MAX_BYTES/);
    // Cloud: no file_size; the download's Content-Length tells.
    cloud.media.set('MEDIA-BIG2', { mimeType: 'video/mp4', bytes: randomBytes(MAX + 10), hideSize: true });
    const big2 = await cloudMedia({
      type: 'video',
      video: { id: 'MEDIA-BIG2', mime_type: 'video/mp4', sha256: 'x' },
    });
    assert.equal((await media(big2)).status, 413);
  });

  test("another tenant's message is 404, a message without media 404, no token 401", async () => {
    cloud.media.set('MEDIA-ISO', { mimeType: 'image/png', bytes: randomBytes(100) });
    const id = await cloudMedia({
      type: 'image',
      image: { id: 'MEDIA-ISO', mime_type: 'image/png', sha256: 'x' },
    });
    // The media keeper downloads it once in the background; the other tenant must add nothing.
    await t.node.media.idle();
    const downloads = cloud.downloads.length;
    const other = await media(id, otherToken);
    assert.equal(other.status, 404);
    assert.deepEqual(other.json, { error: 'not_found', message: 'no such message' });
    assert.equal(cloud.downloads.length, downloads, 'nothing fetched for the other tenant');
    const text = await cloudMedia({ type: 'text', text: { body: 'hola' } });
    const none = await media(text);
    assert.equal(none.status, 404);
    assert.match(String(none.json?.message), /no media/);
    const res = await fetch(`${t.url}/api/messages/${id}/media`);
    assert.equal(res.status, 401);
  });

  test('a failing provider is 502 media_unavailable with a clear message', async () => {
    // Armed before the message is stored, twice: the media keeper's background attempt (awaited
    // below) and the route's both fail. Armed after, the keeper could get the bytes first and the
    // route serve them from the media store (a race seen on PostgreSQL).
    sim.fail(
      EVOLUTION_GET_BASE64,
      {
        kind: 'status',
        status: 500,
        body: { status: 500, error: 'Internal Server Error', response: { message: ['boom'] } },
      },
      2,
    );
    const [id, keyId] = await evolutionMedia(imageMessage());
    evo.media.set(keyId, { mimetype: 'image/jpeg', base64: randomBytes(10).toString('base64') });
    await t.node.media.idle();
    const evoFail = await media(id);
    assert.equal(evoFail.status, 502);
    assert.equal(evoFail.json?.error, 'media_unavailable');
    assert.match(String(evoFail.json?.message), /Evolution answered HTTP 500/);
    // Unknown to Evolution (e.g. deleted from its store).
    const [gone] = await evolutionMedia(imageMessage());
    assert.match(String((await media(gone)).json?.message), /Message not found/);
    // Cloud: the media id is unknown to the Graph API.
    const expired = await cloudMedia({
      type: 'image',
      image: { id: 'MEDIA-EXPIRED', mime_type: 'image/png', sha256: 'x' },
    });
    const graph = await media(expired);
    assert.equal(graph.status, 502);
    assert.match(String(graph.json?.message), /Graph API refused the media id: Unsupported get request/);
    // Cloud: the download fails.
    cloud.media.set('MEDIA-BROKEN', { mimeType: 'image/png', bytes: randomBytes(10) });
    cloud.brokenDownloads.add('MEDIA-BROKEN');
    const broken = await cloudMedia({
      type: 'image',
      image: { id: 'MEDIA-BROKEN', mime_type: 'image/png', sha256: 'x' },
    });
    const dl = await media(broken);
    assert.equal(dl.status, 502);
    assert.match(String(dl.json?.message), /media server answered/);
    assert.ok(
      !JSON.stringify([evoFail.json, graph.json, dl.json]).includes(TOKEN),
      'no credential in an answer',
    );
  });
});

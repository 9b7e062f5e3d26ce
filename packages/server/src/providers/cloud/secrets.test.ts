/**
 * Issue #5 §7 for the Cloud API: the access token, app secret and verify
 * token of a number reach Meta (bearer, HMAC, handshake) but never an API
 * answer nor a log line — through the handshake, a signed and a forged
 * webhook, a reply the Graph API accepts, one it refuses, and a media fetch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cloudBody,
  cloudStatus,
  messagesValue,
  metaJson,
  signedHeaders,
} from '../../../testing/cloud-fixtures.js';
import { CLOUD_SEND, installCloud } from '../../../testing/provider-simulator/cloud.js';
import { SecretsProbe } from '../../../testing/secrets-probe.js';

const PNID = '106540352242922';
const ACCESS = 'EAAG-secret-access-token-4c1d9e';
const APP_SECRET = 'app-secret-7b2f0a93';
const VERIFY = 'verify-token-5e8d21';

test('Cloud secrets are never in an API answer nor in a log line', async () => {
  const probe = await SecretsProbe.start({ nodeId: 'cloud-secrets', logger: 'node' });
  const { node, sim, auth } = probe;
  const cloud = installCloud(sim, { numbers: { [PNID]: ACCESS } });
  const call = probe.call.bind(probe);
  try {
    await node.store.admin.createInstance({
      tenantId: 'sec',
      provider: 'cloud',
      name: PNID,
      apikey: ACCESS,
      appSecret: APP_SECRET,
      verifyToken: VERIFY,
      baseUrl: cloud.graphUrl,
    });
    const hub = await call(
      'GET',
      `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`,
      undefined,
      {},
    );
    assert.deepEqual([hub.status, hub.text], [200, '1158201444']);
    const wrongHub = await call(
      'GET',
      `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY}x&hub.challenge=1`,
      undefined,
      {},
    );
    assert.equal(wrongHub.status, 403);

    cloud.media.set('MEDIA-SEC', { mimeType: 'image/png', bytes: Buffer.from('png-bytes') });
    const raw = metaJson(
      cloudBody(
        messagesValue({ phoneNumberId: PNID, from: '573001110000', name: 'Zoë Ñandú 🇨🇴' }),
        messagesValue({
          phoneNumberId: PNID,
          from: '573001110000',
          content: { type: 'image', image: { id: 'MEDIA-SEC', mime_type: 'image/png', sha256: 'x' } },
        }),
      ),
    );
    const hook = await call('POST', '/webhooks/whatsapp', raw, signedHeaders(raw, APP_SECRET));
    assert.equal(hook.status, 200, hook.text);
    const forged = await call('POST', '/webhooks/whatsapp', raw, signedHeaders(raw, `${APP_SECRET}-forged`));
    assert.equal(forged.status, 401);

    const convs = (await call('GET', '/api/conversations')).json().items as { id: string }[];
    const conversationId = String(convs[0]?.id);
    const page = (await call('GET', `/api/conversations/${conversationId}/messages`)).json();
    const image = (page.items as { id: string; type: string }[]).find((m) => m.type === 'image');
    assert.ok(image);
    const media = await fetch(`${node.url}/api/messages/${image.id}/media`, { headers: auth });
    assert.equal(media.status, 200);
    assert.equal(Buffer.from(await media.arrayBuffer()).toString(), 'png-bytes');
    assert.equal(cloud.downloads.at(-1)?.authorization, `Bearer ${ACCESS}`, 'the token does reach Meta');

    const sent = await call(
      'POST',
      `/api/conversations/${conversationId}/messages`,
      JSON.stringify({ text: 'hola' }),
    );
    assert.equal(sent.status, 201, sent.text);
    const sentId = (sent.json().message as { id: string }).id;
    await node.sender.settled(sentId);
    assert.equal(sim.requests(CLOUD_SEND)[0]?.headers.authorization, `Bearer ${ACCESS}`);
    // A refused send (Meta's 401 body) and a failed status with errors[].
    sim.fail(CLOUD_SEND, {
      kind: 'status',
      status: 401,
      body: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } },
    });
    const refused = await call(
      'POST',
      `/api/conversations/${conversationId}/messages`,
      JSON.stringify({ text: 'otra' }),
    );
    await node.sender.settled((refused.json().message as { id: string }).id);
    const wamid = String(cloud.sent.at(-1)?.id);
    const failedRaw = metaJson(
      cloudBody({
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: PNID },
        statuses: [
          cloudStatus({ id: wamid, status: 'failed', errors: [{ code: 131026, title: 'Undeliverable' }] }),
        ],
      }),
    );
    assert.equal(
      (await call('POST', '/webhooks/whatsapp', failedRaw, signedHeaders(failedRaw, APP_SECRET))).status,
      200,
    );
    await call('GET', `/api/conversations/${conversationId}`);
    await call('GET', `/api/conversations/${conversationId}/messages`);
  } finally {
    await probe.close();
    await cloud.close();
  }
  assert.ok(
    probe.lines.some((l) => l.includes('send attempt')),
    'the sends were logged',
  );
  assert.ok(
    probe.lines.some((l) => l.includes('hub.verify_token')),
    'the handshake URL was logged (redacted)',
  );
  probe.assertNoLeak([ACCESS, APP_SECRET, VERIFY]);
});

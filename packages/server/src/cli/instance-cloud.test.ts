/**
 * `newton instance add|list|remove` for WhatsApp Cloud API numbers, run in
 * process against the data of a running server: the number works on the next
 * webhook, secrets never appear in `list`, and misuse exits 2.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../../testing/cli-runner.js';
import {
  cloudBody,
  messagesValue,
  metaJson,
  randomWamid,
  signedHeaders,
} from '../../testing/cloud-fixtures.js';
import { TestNewton } from '../../testing/harness.js';

const PNID = '301234567890123';
const SECRET = 'cli-app-secret-7c1d';
const VERIFY = 'cli-verify-token-55';
const ACCESS = 'EAAG-cli-access-token-0042';

let t: TestNewton;

const newton = (...argv: string[]) => runCli(argv, t.env());

/** `newton instance add <tenant> --provider cloud --phone-number-id <id>` and the `more` flags. */
const addCloud = (tenant: string, phoneNumberId: string, ...more: string[]) =>
  newton('instance', 'add', tenant, '--provider', 'cloud', '--phone-number-id', phoneNumberId, ...more);

/** The three secrets every Cloud number needs. */
const secrets = (appSecret: string, verifyToken: string, accessToken: string) => [
  '--app-secret',
  appSecret,
  '--verify-token',
  verifyToken,
  '--access-token',
  accessToken,
];

before(async () => {
  t = await TestNewton.start();
});
after(() => t.close());

test('instance add --provider cloud takes effect at once; list hides secrets; remove unroutes', async () => {
  assert.equal((await newton('tenant', 'add', 'cloud_cli')).code, 0);
  const added = await addCloud(
    'cloud_cli',
    PNID,
    ...secrets(SECRET, VERIFY, ACCESS),
    '--graph-url',
    'https://graph.facebook.com/v22.0/',
  );
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /\/webhooks\/whatsapp/);
  for (const secret of [SECRET, VERIFY, ACCESS]) assert.ok(!added.out.includes(secret));

  const verify = await t.get(
    `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=c-777`,
  );
  assert.equal(verify.status, 200);
  assert.equal(verify.body.text, 'c-777');
  const raw = metaJson(cloudBody(messagesValue({ phoneNumberId: PNID, id: randomWamid(), name: 'Zoë' })));
  const hook = await t.post('/webhooks/whatsapp', raw, signedHeaders(raw, SECRET));
  assert.equal(hook.body.outcome, 'accepted', JSON.stringify(hook.body));

  const list = await newton('instance', 'list', 'cloud_cli');
  assert.equal(list.code, 0);
  assert.match(
    list.out,
    new RegExp(
      `cloud_cli\\tcloud\\t${PNID}\\t.*access_token=set\\tapp_secret=set\\tverify_token=set\\thttps://graph.facebook.com/v22.0`,
    ),
  );
  for (const secret of [SECRET, VERIFY, ACCESS]) {
    assert.ok(!list.out.includes(secret) && !list.out.includes(secret.slice(0, 6)), 'no secret in list');
  }

  const again = await addCloud('cloud_cli', PNID, ...secrets('x', 'y', 'z'));
  assert.equal(again.code, 1);
  assert.match(again.err, /already belongs to tenant cloud_cli/);

  // It holds a conversation: removed only with --purge.
  const removed = await newton(
    'instance',
    'remove',
    '--provider',
    'cloud',
    '--phone-number-id',
    PNID,
    '--purge',
  );
  assert.equal(removed.code, 0, removed.err);
  const after = await t.post('/webhooks/whatsapp', raw, signedHeaders(raw, SECRET));
  assert.equal(after.status, 200);
  assert.equal(after.body.outcome, 'unroutable');
});

test('misuse exits 2 with a message', async () => {
  const missing = await addCloud('cloud_cli', PNID);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--app-secret is required/);
  const mixed = await addCloud('cloud_cli', PNID, '--apikey', 'k', ...secrets('s', 'v', 'a'));
  assert.equal(mixed.code, 2);
  assert.match(mixed.err, /--apikey is for Evolution/);
  const badId = await addCloud('cloud_cli', 'abc', ...secrets('s', 'v', 'a'));
  assert.equal(badId.code, 2);
  const evo = await newton(
    'instance',
    'add',
    'cloud_cli',
    '--provider',
    'evolution',
    '--instance',
    'x',
    '--app-secret',
    's',
  );
  assert.equal(evo.code, 2);
  assert.match(evo.err, /--app-secret is for --provider cloud/);
});

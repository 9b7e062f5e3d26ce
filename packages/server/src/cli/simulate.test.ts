/**
 * `newton simulate` picks the provider of the instance: a Cloud API number
 * gets a Cloud-shaped webhook signed with its app secret (through the real
 * signature check), an Evolution instance an Evolution `messages.upsert`;
 * `--instance` takes an instance name or a phone_number_id, of the tenant only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessagePayload } from '@newton/protocol';
import { runCli } from '../../testing/cli-runner.js';
import { addCloudNumber } from '../../testing/cloud-node.js';
import { type Frame, TestNewton, type TestSocket } from '../../testing/harness.js';

const PNID = '301234567890123';
const OTHER_PNID = '301234567890456';
let t: TestNewton;

const simulate = (...argv: string[]) => runCli(['simulate', ...argv], t.env());
const newMessage = (s: TestSocket, text: string): Promise<Frame> =>
  s.next((f) => f.type === 'new_message' && (f.message as MessagePayload).content === text);

before(async () => {
  t = await TestNewton.start();
  await t.addTenant('cloudy');
  await addCloudNumber(t, {
    tenantId: 'cloudy',
    phoneNumberId: PNID,
    accessToken: 'EAAG-sim-token',
    appSecret: 'sim-app-secret-4d3c',
  });
  await t.addTenant('both');
  await t.addInstance({ tenantId: 'both', name: 'both-wa', apikey: 'both-key' });
  await addCloudNumber(t, {
    tenantId: 'both',
    phoneNumberId: OTHER_PNID,
    accessToken: 'EAAG-both',
    appSecret: 'both-app-secret',
  });
  await t.addTenant('unsigned');
  await addCloudNumber(t, {
    tenantId: 'unsigned',
    phoneNumberId: '301234567890789',
    accessToken: 'EAAG-unsigned',
    appSecret: null,
  });
});
after(() => t.close());

describe('newton simulate', () => {
  test('a Cloud-only tenant: a signed Cloud webhook, stored as a Cloud message of that lead', async () => {
    const s = await t.connect('cloudy');
    const outsider = await t.connect('both');
    const r = await simulate('cloudy', '--from', '573001112233', '--text', 'Hola ñandú 🙂', '--name', 'Zoë');
    assert.equal(r.code, 0, r.err);
    const answer = JSON.parse(r.out) as Record<string, unknown>;
    assert.equal(answer.outcome, 'accepted', r.out);
    assert.ok(!r.out.includes('sim-app-secret') && !r.out.includes('EAAG-sim'), 'no secret printed');

    const frame = await newMessage(s, 'Hola ñandú 🙂');
    const m = frame.message as MessagePayload;
    assert.deepEqual([m.id, m.provider, m.direction], [answer.message_id, 'cloud', 'inbound']);
    const lead = frame.lead as { phone: string; name: string };
    assert.deepEqual([lead.phone, lead.name], ['+573001112233', 'Zoë']);
    const receipts = await t.node.store.receipts.list({ limit: 100 });
    const receipt = receipts.find((x) => x.traceId === answer.trace_id);
    assert.deepEqual(
      [receipt?.provider, receipt?.outcome, receipt?.instanceName],
      ['cloud', 'accepted', PNID],
    );
    assert.ok(!outsider.frames.some((f) => f.type === 'new_message'), "another tenant's socket sees nothing");
  });

  test('with both providers: Evolution by default, --instance <phone_number_id> for the Cloud number', async () => {
    const s = await t.connect('both');
    const evo = await simulate('both', '--from', '573001112244', '--text', 'por Evolution');
    assert.equal(evo.code, 0, evo.err);
    assert.equal(((await newMessage(s, 'por Evolution')).message as MessagePayload).provider, 'evolution');
    const cloud = await simulate(
      'both',
      '--from',
      '573001112244',
      '--text',
      'por Cloud',
      '--instance',
      OTHER_PNID,
    );
    assert.equal(cloud.code, 0, cloud.err);
    assert.equal(((await newMessage(s, 'por Cloud')).message as MessagePayload).provider, 'cloud');
  });

  test("another tenant's number, an unknown one or one without app secret exits 1 with the reason", async () => {
    const theirs = await simulate('both', '--from', '573001112255', '--text', 'x', '--instance', PNID);
    assert.equal(theirs.code, 1);
    assert.match(theirs.err, new RegExp(`tenant both has no evolution instance or cloud number "${PNID}"`));
    const unsigned = await simulate('unsigned', '--from', '573001112255', '--text', 'x');
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.err, /has no app secret to sign a webhook with/);
    const rows = await t.node.store.db
      .selectFrom('messages')
      .select('id')
      .where('content', '=', 'x')
      .execute();
    assert.deepEqual(rows, []);
  });
});

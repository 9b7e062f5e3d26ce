/**
 * The Evolution send client alone, against the provider simulator: the
 * request it makes, and how each answer is classified (retryable or final,
 * with Evolution's reason). One attempt per call; retries are the pipeline's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  EVOLUTION_SEND_TEXT,
  evolutionError,
  installEvolution,
} from '../../../testing/provider-simulator/evolution.js';
import { ProviderSimulator } from '../../../testing/provider-simulator/server.js';
import type { Instance } from '../../core/index.js';
import { ProviderSendError } from '../../core/index.js';
import { EvolutionClient, evolutionNumber, evolutionReason } from './client.js';
import { parseStatusItem } from './statuses.js';

let sim: ProviderSimulator;
const client = new EvolutionClient();
const instance = (over: Partial<Instance> = {}): Instance =>
  ({
    id: 'i1',
    tenantId: 't1',
    provider: 'evolution',
    name: 'ventas 1',
    number: null,
    apikey: 'k-1',
    webhookSecret: null,
    baseUrl: `${sim.url}/`,
    createdAt: 0,
    ...over,
  }) as Instance;
const to = { phone: '+573001112233', lid: null, jid: '573001112233@s.whatsapp.net' };

before(async () => {
  sim = await ProviderSimulator.start();
  installEvolution(sim, { instances: { 'ventas 1': 'k-1' } });
});
after(() => sim.close());

async function failure(p: Promise<unknown>): Promise<ProviderSendError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ProviderSendError, String(err));
    return err;
  }
  assert.fail('expected a ProviderSendError');
}

describe('EvolutionClient.sendText', () => {
  test('POSTs {number, text} with the apikey header to the URL-encoded instance; returns key.id', async () => {
    const r = await client.sendText(
      { instance: instance(), to, text: 'hola', messageId: 'm1' },
      AbortSignal.timeout(2000),
    );
    const [req] = sim.requests(EVOLUTION_SEND_TEXT).slice(-1);
    assert.equal(req?.path, '/message/sendText/ventas%201');
    assert.equal(req?.headers.apikey, 'k-1');
    assert.deepEqual(req?.body, { number: '573001112233', text: 'hola' });
    assert.match(r.providerMessageId, /^3EB0[0-9A-F]{16}$/);
  });

  test('classification: 5xx/429/timeout/reset retryable; 4xx, 401 and a 2xx without key.id final', async () => {
    const send = () =>
      client.sendText({ instance: instance(), to, text: 'x', messageId: 'm' }, AbortSignal.timeout(300));
    const cases: [Parameters<ProviderSimulator['fail']>[1], string, boolean][] = [
      [{ kind: 'status', ...evolutionError(500, 'Internal Server Error') }, 'provider_unavailable', true],
      [{ kind: 'status', status: 429, body: {}, headers: { 'retry-after': '2' } }, 'rate_limited', true],
      [{ kind: 'timeout' }, 'timeout', true],
      [{ kind: 'reset' }, 'provider_unreachable', true],
      [
        { kind: 'status', ...evolutionError(400, [['instance requires property "number"']]) },
        'provider_rejected',
        false,
      ],
      [{ kind: 'status', status: 201, body: { status: 'PENDING' } }, 'invalid_provider_answer', false],
    ];
    for (const [failureRule, code, retryable] of cases) {
      sim.fail(EVOLUTION_SEND_TEXT, failureRule, 1);
      const err = await failure(send());
      assert.deepEqual([err.code, err.retryable], [code, retryable], err.reason);
      if (code === 'rate_limited') assert.equal(err.retryAfterMs, 2000);
    }
    const wrongKey = await failure(
      client.sendText(
        { instance: instance({ apikey: 'nope' }), to, text: 'x', messageId: 'm' },
        AbortSignal.timeout(1000),
      ),
    );
    assert.deepEqual(
      [wrongKey.code, wrongKey.retryable, wrongKey.status],
      ['provider_unauthorized', false, 401],
    );
    assert.ok(!wrongKey.reason.includes('nope'));
    const unconfigured = await failure(
      client.sendText(
        { instance: instance({ baseUrl: null }), to, text: 'x', messageId: 'm' },
        AbortSignal.timeout(1000),
      ),
    );
    assert.equal(unconfigured.code, 'send_not_configured');
  });

  test('number: phone digits from the JID, the full …@lid JID without a phone', () => {
    assert.equal(evolutionNumber(to), '573001112233');
    assert.equal(
      evolutionNumber({ phone: '+5511987654321', lid: null, jid: '551187654321@s.whatsapp.net' }),
      '551187654321',
    );
    assert.equal(
      evolutionNumber({ phone: null, lid: '99887766554433', jid: '99887766554433@lid' }),
      '99887766554433@lid',
    );
    assert.equal(evolutionNumber({ phone: null, lid: '123', jid: null }), '123@lid');
    assert.equal(evolutionNumber({ phone: null, lid: null, jid: null }), null);
  });

  test("reason: Evolution's response.message, flattened", () => {
    assert.equal(
      evolutionReason(400, {
        status: 400,
        error: 'Bad Request',
        response: { message: [['instance requires property "text"']] },
      }),
      'Evolution 400 Bad Request: instance requires property "text"',
    );
    assert.equal(
      evolutionReason(400, {
        status: 400,
        error: 'Bad Request',
        response: { message: [{ jid: '1@s.whatsapp.net', exists: false, number: '1' }] },
      }),
      'Evolution 400 Bad Request: 1 is not on WhatsApp',
    );
    assert.equal(evolutionReason(502, undefined), 'Evolution 502 HTTP 502');
  });
});

describe('messages.update items', () => {
  const item = (over: Record<string, unknown>) => ({
    keyId: 'K1',
    remoteJid: '573001112233@s.whatsapp.net',
    fromMe: true,
    status: 'READ',
    ...over,
  });
  test('statuses map to Newton statuses', () => {
    const map: [unknown, string][] = [
      ['SERVER_ACK', 'sent'],
      ['DELIVERY_ACK', 'delivered'],
      ['READ', 'read'],
      ['PLAYED', 'read'],
      ['ERROR', 'failed'],
      [3, 'delivered'],
    ];
    for (const [status, expected] of map) {
      const r = parseStatusItem(item({ status }));
      assert.equal(r.kind === 'status' ? r.status : r.kind, expected, String(status));
    }
  });
  test('what is not a delivery status', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ status: 'DELETED' }, 'ignored'],
      [{ status: 'PENDING' }, 'ignored'],
      [{ status: 'WHATEVER' }, 'ignored'],
      [{ fromMe: false }, 'ignored'],
      [{ remoteJid: '120363041234567890@g.us' }, 'ignored'],
      [{ keyId: undefined }, 'invalid'],
      [{ keyId: '' }, 'invalid'],
      // 2.2.x posts edits and poll votes without a status (#13): a real shape, never refused.
      [{ status: undefined }, 'ignored'],
      [{ status: undefined, pollUpdates: [] }, 'ignored'],
      [{ status: 9 }, 'ignored'],
    ];
    for (const [over, kind] of cases)
      assert.equal(parseStatusItem(item(over)).kind, kind, JSON.stringify(over));
    assert.equal(parseStatusItem('x').kind, 'invalid');
  });
});

/**
 * The Evolution kinds that answer or ask (issue #13) beyond the corpus's
 * real bodies: a WhatsApp Flow's native-flow answer, a native list pick,
 * params that are not JSON, replies without a display text, and polls of
 * every version (Baileys WAProto field names).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inbound, parsed } from '../../../testing/evolution-parse-fixtures.js';

describe('parseUpsertItem: interactive replies and polls', () => {
  test('a Flow answer (native flow galaxy_message) keeps the form JSON and its flow token', () => {
    const m = parsed(
      inbound({
        interactiveResponseMessage: {
          body: { text: 'Sent', format: 'EXTENSIONS_1' },
          nativeFlowResponseMessage: {
            name: 'galaxy_message',
            paramsJson: '{"flow_token":"ft-1","name":"Ana","plan":"premium"}',
            version: 3,
          },
        },
      }),
    );
    assert.equal(m.type, 'interactive_reply');
    assert.equal(m.content, 'Sent');
    assert.deepEqual(m.extra.interactive, {
      kind: 'flow',
      id: 'ft-1',
      title: 'Sent',
      name: 'galaxy_message',
      response_json: { flow_token: 'ft-1', name: 'Ana', plan: 'premium' },
    });
  });

  test('a native list pick, params that are no JSON, and replies without a display text', () => {
    const list = parsed(
      inbound({
        interactiveResponseMessage: {
          body: { text: 'Plan Pro' },
          nativeFlowResponseMessage: { name: 'single_select', paramsJson: '{"id":"plan_pro"}' },
        },
      }),
    );
    assert.deepEqual(
      [list.content, list.extra.interactive?.kind, list.extra.interactive?.id],
      ['Plan Pro', 'list', 'plan_pro'],
    );
    const broken = parsed(
      inbound({
        interactiveResponseMessage: {
          body: { text: 'Listo' },
          nativeFlowResponseMessage: { name: 'custom_thing', paramsJson: '{not json' },
        },
      }),
    );
    assert.deepEqual(broken.extra.interactive, {
      kind: 'native_flow',
      id: null,
      title: 'Listo',
      name: 'custom_thing',
      response_json: null,
    });
    const bare = parsed(inbound({ buttonsResponseMessage: { selectedButtonId: 'b1' } }));
    assert.deepEqual([bare.type, bare.content], ['interactive_reply', 'b1']);
    const empty = parsed(inbound({ listResponseMessage: {} }));
    assert.deepEqual(
      [empty.type, empty.content, empty.extra.interactive?.id],
      ['interactive_reply', null, null],
    );
  });

  test('polls of every version keep question and options', () => {
    for (const kind of ['pollCreationMessage', 'pollCreationMessageV2', 'pollCreationMessageV3']) {
      const m = parsed(
        inbound({
          [kind]: {
            name: ' Qual cor? ',
            options: [{ optionName: 'Azul' }, { optionName: '' }, {}],
            selectableOptionsCount: 0,
          },
          messageContextInfo: { messageSecret: 'eA==' },
        }),
      );
      assert.equal(m.type, 'poll', kind);
      assert.equal(m.content, 'Qual cor?');
      assert.deepEqual(m.extra.poll, { question: 'Qual cor?', options: ['Azul'], selectable_count: 0 });
    }
  });

  test('a location keeps its URL only when it has one', () => {
    const withUrl = parsed(
      inbound({ locationMessage: { degreesLatitude: 1, degreesLongitude: 2, url: 'https://x.test/p' } }),
    );
    assert.equal(withUrl.extra.location?.url, 'https://x.test/p');
    const without = parsed(inbound({ locationMessage: { degreesLatitude: 1, degreesLongitude: 2 } }));
    assert.equal('url' in (without.extra.location ?? {}), false);
  });
});

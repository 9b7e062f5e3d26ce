/** parseEditItem: the shapes Evolution's `messages.edited` data takes (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEditItem } from './edits.js';

const key = { remoteJid: '573001112233@s.whatsapp.net', fromMe: false, id: '3EB0AAA' };

test('reads the new text from each kind of edited message and every wrapping', () => {
  const cases: [unknown, string][] = [
    [{ key, type: 'MESSAGE_EDIT', editedMessage: { conversation: 'a' } }, 'a'],
    [{ key, type: 14, editedMessage: { extendedTextMessage: { text: 'b' } } }, 'b'],
    [{ key, editedMessage: { imageMessage: { caption: 'c' } } }, 'c'],
    [{ key, editedMessage: { message: { videoMessage: { caption: 'd' } } } }, 'd'],
    [{ key: { id: 'x' }, message: { protocolMessage: { key, editedMessage: { conversation: 'e' } } } }, 'e'],
    [
      {
        key: { id: 'x' },
        message: {
          editedMessage: { message: { protocolMessage: { key, editedMessage: { conversation: 'f' } } } },
        },
      },
      'f',
    ],
  ];
  for (const [data, text] of cases) {
    const item = parseEditItem(data);
    assert.deepEqual(
      item,
      { kind: 'edit', providerMessageId: '3EB0AAA', text, at: null },
      JSON.stringify(data),
    );
  }
  const timed = parseEditItem({ key, editedMessage: { conversation: 'g' }, timestampMs: '1764300000000' });
  assert.equal(timed.kind === 'edit' && timed.at, 1764300000000);
});

test('a REVOKE is a deletion; non-edits are ignored, a missing key.id is invalid', () => {
  assert.deepEqual(parseEditItem({ key, type: 'REVOKE' }), { kind: 'revoke', providerMessageId: '3EB0AAA' });
  assert.equal(parseEditItem({ key, type: 'EPHEMERAL_SETTING' }).kind, 'ignored');
  assert.equal(parseEditItem({ key, editedMessage: { stickerMessage: {} } }).kind, 'ignored');
  assert.equal(parseEditItem({ editedMessage: { conversation: 'x' } }).kind, 'invalid');
  assert.equal(parseEditItem('x').kind, 'invalid');
});

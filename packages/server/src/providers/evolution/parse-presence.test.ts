/**
 * Reading Evolution's `presence.update` (#15; presence.ts): Baileys' `{ id,
 * presences }` as Evolution forwards it — phone and LID chats, every
 * WhatsApp presence mapped, groups and junk ignored with a reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presenceBody } from '../../../testing/evolution-presence-fixtures.js';
import { parsePresence } from './presence.js';

const dataOf = (body: Record<string, unknown>) => body.data;

test('composing / recording / paused / available / unavailable on a phone chat', () => {
  const cases = [
    ['composing', 'typing'],
    ['recording', 'recording'],
    ['paused', 'stopped'],
    ['available', 'stopped'],
    ['unavailable', 'stopped'],
  ] as const;
  for (const [presence, state] of cases) {
    const item = parsePresence(dataOf(presenceBody({ chat: '573001234567', presence })));
    assert.deepEqual(item, {
      kind: 'presence',
      party: { phone: '+573001234567', lid: null, replyTo: '573001234567@s.whatsapp.net' },
      state,
    });
  }
});

test('a LID chat, and the `remoteJid` spelling of the chat', () => {
  const lid = parsePresence(dataOf(presenceBody({ chat: '274860712345678@lid', presence: 'composing' })));
  assert.equal(lid.kind, 'presence');
  if (lid.kind === 'presence') assert.deepEqual([lid.party.phone, lid.party.lid], [null, '274860712345678']);
  const jid = '573001234567@s.whatsapp.net';
  const alt = parsePresence({ remoteJid: jid, presences: { [jid]: { lastKnownPresence: 'composing' } } });
  assert.equal(alt.kind, 'presence');
});

test('groups, unknown presences and junk are ignored with a reason', () => {
  const ignored = [
    dataOf(presenceBody({ chat: '120363025246125486@g.us', presence: 'composing' })),
    { id: '573001234567@s.whatsapp.net', presences: { x: { lastKnownPresence: 'dancing' } } },
    { id: '573001234567@s.whatsapp.net' },
    { presences: {} },
    'composing',
    null,
  ];
  for (const data of ignored) {
    const item = parsePresence(data);
    assert.equal(item.kind, 'ignored', JSON.stringify(data));
    if (item.kind === 'ignored') assert.match(item.reason, /presence\.update/);
  }
});

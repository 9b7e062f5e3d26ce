import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNELS, channelOf, EVENT_CHANNEL, isChannel, OPT_IN_CHANNELS } from './index.js';

test('every event type maps to a known channel', () => {
  for (const type of Object.keys(EVENT_CHANNEL) as (keyof typeof EVENT_CHANNEL)[]) {
    assert.ok(CHANNELS.includes(channelOf(type)), type);
  }
  assert.equal(channelOf('new_message'), 'messages');
  assert.equal(isChannel('messages'), true);
  assert.equal(isChannel('message'), false);
  assert.equal(isChannel(42), false);
});

test('diagnostics is a channel, but opt-in: no event type is delivered on it', () => {
  assert.equal(isChannel('diagnostics'), true);
  assert.deepEqual([...OPT_IN_CHANNELS], ['diagnostics', 'presence']);
  assert.ok(!(CHANNELS as readonly string[]).includes('diagnostics'), 'not a default channel');
  assert.ok(!(Object.values(EVENT_CHANNEL) as string[]).includes('diagnostics'));
});

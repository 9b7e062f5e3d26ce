import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNELS, channelOf, EVENT_CHANNEL, isChannel } from './index.js';

test('every event type maps to a known channel', () => {
  for (const type of Object.keys(EVENT_CHANNEL) as (keyof typeof EVENT_CHANNEL)[]) {
    assert.ok(CHANNELS.includes(channelOf(type)), type);
  }
  assert.equal(channelOf('new_message'), 'messages');
  assert.equal(isChannel('messages'), true);
  assert.equal(isChannel('message'), false);
  assert.equal(isChannel(42), false);
});

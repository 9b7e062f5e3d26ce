/**
 * Channels group tenant events. A socket is subscribed to every channel of its
 * tenant from the start (CONTRACT.md §1); `subscribe` never narrows that.
 */
export const CHANNELS = ['messages', 'leads', 'conversations', 'instances'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Every tenant event type, with the channel it is delivered on. */
export const EVENT_CHANNEL = {
  new_message: 'messages',
  message_status: 'messages',
  message_updated: 'messages',
  lead_created: 'leads',
  lead_updated: 'leads',
  conversation_updated: 'conversations',
  instance_status: 'instances',
} as const satisfies Record<string, Channel>;

export type EventType = keyof typeof EVENT_CHANNEL;

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

export function channelOf(type: EventType): Channel {
  return EVENT_CHANNEL[type];
}

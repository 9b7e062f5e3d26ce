/**
 * Channels group what a socket receives. A socket is subscribed to every
 * default channel (`CHANNELS`) of its tenant from the start (docs/protocol.md §7);
 * `subscribe` never narrows that. Opt-in channels (`OPT_IN_CHANNELS`) carry
 * frames that are not tenant events (no seq, never in the event log) and
 * reach only sockets that name them in a `subscribe`.
 */
export const CHANNELS = ['messages', 'leads', 'conversations', 'instances'] as const;

/**
 * Channels no socket is on until it asks: `diagnostics` carries the events of
 * `newton doctor`'s end-to-end probe (`probe_event` frames); `presence`
 * **[addition]** the ephemeral presence and typing frames (`presence_snapshot`
 * on subscribing, then `agent_presence`, `agent_typing`, `customer_typing`).
 */
export const OPT_IN_CHANNELS = ['diagnostics', 'presence'] as const;

export type Channel = (typeof CHANNELS)[number] | (typeof OPT_IN_CHANNELS)[number];

/** Every tenant event type, with the channel it is delivered on. */
export const EVENT_CHANNEL = {
  new_message: 'messages',
  message_status: 'messages',
  message_updated: 'messages',
  media_ready: 'messages',
  media_failed: 'messages',
  message_reaction: 'messages',
  message_deleted: 'messages',

  lead_created: 'leads',
  lead_updated: 'leads',
  conversation_updated: 'conversations',
  conversation_merged: 'conversations',
  note_added: 'conversations',
  labels_updated: 'conversations',
  user_updated: 'conversations',
  instance_status: 'instances',
} as const satisfies Record<string, (typeof CHANNELS)[number]>;

export type EventType = keyof typeof EVENT_CHANNEL;

export function isChannel(value: unknown): value is Channel {
  return (
    typeof value === 'string' &&
    ((CHANNELS as readonly string[]).includes(value) ||
      (OPT_IN_CHANNELS as readonly string[]).includes(value))
  );
}

/** The channel an event type is delivered on (always a default one). */
export function channelOf(type: EventType): (typeof CHANNELS)[number] {
  return EVENT_CHANNEL[type];
}

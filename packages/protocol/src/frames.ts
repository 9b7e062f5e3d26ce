import type { Channel } from './channels.js';
import type { FrameErrorCodeValue } from './errors.js';
import type { EventBody, TenantEvent } from './events.js';

// ---- client → server -------------------------------------------------------

export interface PingFrame {
  type: 'ping';
  id?: string | number;
}
export interface SubscribeFrame {
  type: 'subscribe';
  channels: Channel[];
}
export interface UnsubscribeFrame {
  type: 'unsubscribe';
  channels: Channel[];
}
export interface ResumeFrame {
  type: 'resume';
  since: number;
}
/**
 * **[addition]** The agent's own presence on this socket: `away` when the app
 * says so (tab hidden, idle), `online` again when it is back. A new socket
 * starts `online`. Ephemeral: never stored (docs/protocol.md §4.1).
 */
export interface PresenceFrame {
  type: 'presence';
  state: 'online' | 'away';
}
/**
 * **[addition]** The agent is typing a reply in a conversation of the
 * socket's tenant (send it again every few seconds while typing; `stopped`
 * when the draft is sent or cleared). Rate-limited per socket; a conversation
 * that is not the tenant's gets `error` `unknown_conversation`.
 */
export interface TypingFrame {
  type: 'typing';
  conversation_id: string;
  /** @default 'typing' */
  state?: 'typing' | 'stopped';
}
export type ClientFrame =
  | PingFrame
  | SubscribeFrame
  | UnsubscribeFrame
  | ResumeFrame
  | PresenceFrame
  | TypingFrame;

// ---- server → client control frames ---------------------------------------

export interface ConnectionEstablishedFrame {
  type: 'connection_established';
  tenant_id: string;
  connection_id: string;
  user_id: string;
  channels: Channel[];
  heartbeat_interval_ms: number;
  /** Last seq of the tenant's event log at this moment; live events follow it. */
  last_seq: number;
  server_time: string;
  node_id: string;
}
export interface PongFrame {
  type: 'pong';
  id?: string | number;
  server_time: string;
}
export interface SubscribedFrame {
  type: 'subscribed';
  channels: Channel[];
}
export interface UnsubscribedFrame {
  type: 'unsubscribed';
  channels: Channel[];
}
export interface ResumedFrame {
  type: 'resumed';
  /** First seq replayed (since + 1). */
  from: number;
  /** Last seq replayed; equals `from - 1` when nothing was missed. */
  to: number;
  count: number;
}
export interface ResyncRequiredFrame {
  type: 'resync_required';
  reason: 'history_pruned' | 'ahead_of_log';
  since: number;
  /** Oldest seq the server can still replay from (as `since`). */
  earliest_since: number;
  last_seq: number;
}
export interface ErrorFrame {
  type: 'error';
  code: FrameErrorCodeValue;
  message: string;
}

export type ServerControlFrame =
  | ConnectionEstablishedFrame
  | PongFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | ResumedFrame
  | ResyncRequiredFrame
  | ErrorFrame;

/**
 * On the opt-in `diagnostics` channel only: one event of a diagnostics probe
 * (`newton doctor`, the inbox's Diagnostics page), as a real message would
 * have produced it (`lead_created`, `new_message`…, marked `probe: true`). Not
 * a tenant event: no seq, no event_id, never in the event log, never replayed;
 * a socket on the default channels never receives it.
 */
export interface ProbeEventFrame {
  type: 'probe_event';
  tenant_id: string;
  /** The probe's trace id (`ProbeResult.trace_id`). */
  trace_id: string;
  /** The node whose webhook path stored the probe. */
  node_id: string;
  occurred_at: string;
  event: EventBody;
}

// ---- ephemeral frames [addition] (docs/protocol.md §4.1) -------------------
// No seq, never stored, never in the event log, never replayed; every socket
// of the tenant receives them whatever its channels.

/** Presence of one agent (a token `sub`) across every socket on every node. */
export type AgentPresenceState = 'online' | 'away' | 'offline';

export interface AgentPresence {
  /** The token's `sub` (a user id once users exist). */
  user_id: string;
  state: AgentPresenceState;
  /** When this node saw the state begin (ISO-8601). */
  since: string;
}

/**
 * An agent's presence changed: `online` while one of its sockets (on any
 * node) is open and not away; `away` when every open socket said `away`;
 * `offline` once its last socket closed, or its node stopped being heard
 * from for `PRESENCE_TTL_MS`.
 */
export interface AgentPresenceFrame extends AgentPresence {
  type: 'agent_presence';
}

/** Sent right after `connection_established`: every agent not offline, this socket's own included. */
export interface PresenceSnapshotFrame {
  type: 'presence_snapshot';
  agents: AgentPresence[];
}

/**
 * Another agent is typing in a conversation (never echoed to the typing
 * agent's own sockets). Ends with `stopped`, or by itself once
 * `expires_in_ms` pass without a new `typing`.
 */
export interface AgentTypingFrame {
  type: 'agent_typing';
  conversation_id: string;
  user_id: string;
  state: 'typing' | 'stopped';
  expires_in_ms: number;
}

/**
 * The customer of a conversation is typing or recording a voice note
 * (Evolution `presence.update`: composing / recording / paused / available;
 * WhatsApp Cloud API reports none). Ends with `stopped`, or by itself once
 * `expires_in_ms` pass.
 */
export interface CustomerTypingFrame {
  type: 'customer_typing';
  conversation_id: string;
  lead_id: string;
  state: 'typing' | 'recording' | 'stopped';
  expires_in_ms: number;
}

export type EphemeralFrame =
  | AgentPresenceFrame
  | PresenceSnapshotFrame
  | AgentTypingFrame
  | CustomerTypingFrame;

/** Frames outside the seq order, delivered on an opt-in channel. */
export type ServerChannelFrame = ProbeEventFrame;

export type ServerFrame = ServerControlFrame | ServerChannelFrame | EphemeralFrame | TenantEvent;

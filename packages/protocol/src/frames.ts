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
export type ClientFrame = PingFrame | SubscribeFrame | UnsubscribeFrame | ResumeFrame;

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

/** Frames outside the seq order, delivered on an opt-in channel. */
export type ServerChannelFrame = ProbeEventFrame;

export type ServerFrame = ServerControlFrame | ServerChannelFrame | TenantEvent;

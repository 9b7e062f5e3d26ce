export type { Channel, EventType } from './channels.js';
export { CHANNELS, channelOf, EVENT_CHANNEL, isChannel, OPT_IN_CHANNELS } from './channels.js';
export type { CloseCodeValue } from './close-codes.js';
export { CloseCode, CloseReason } from './close-codes.js';
export type * from './diagnostics.js';
export type { FrameErrorCodeValue } from './errors.js';
export { FrameErrorCode } from './errors.js';
export type * from './events.js';
export type * from './frames.js';
export type { LeadDetail, LeadPatch } from './lead-panel.js';
export { LEAD_LIMITS } from './lead-panel.js';
export type * from './rest.js';

/** Default interval of the server's heartbeat (protocol pings), in ms. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
export type * from './search.js';

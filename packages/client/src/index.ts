/**
 * @newton/client — `WebSocketService`, the browser/Node SDK for Newton's
 * agent socket (docs/client.md). No runtime dependencies.
 */

export type {
  AgentPresence,
  AgentPresenceFrame,
  AgentPresenceState,
  AgentTypingFrame,
  ClientFrame,
  ConnectionEstablishedFrame,
  ConversationMergedEvent,
  ConversationUpdatedEvent,
  CustomerTypingFrame,
  ErrorFrame,
  EventType,
  LeadCreatedEvent,
  LeadUpdatedEvent,
  MessageStatusEvent,
  NewMessageEvent,
  PresenceSnapshotFrame,
  ResumedFrame,
  ResyncRequiredFrame,
  ServerFrame,
  TenantEvent,
} from '@newton/protocol';
export { CLIENT_CLOSE } from './connection.js';
export type { DebugLogger } from './debug.js';
export type { CloseInfo, DroppedFrame, ServiceEvents } from './emitter.js';
export type {
  Clock,
  DocumentLike,
  EventTargetLike,
  TokenRequest,
  WebSocketConstructor,
  WebSocketLike,
  WebSocketServiceOptions,
} from './options.js';
export { systemClock } from './options.js';
export type { SendResult } from './send-queue.js';
export { type ServiceSnapshot, WebSocketService } from './service.js';
export type { ConnectionState, ConnectionStatus, Readable } from './state.js';
export { TRANSITIONS } from './state.js';

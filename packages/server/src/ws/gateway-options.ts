/** The gateway's options and what it reports as it works (the node's metrics). */
import type { ConversationLookup, EventBus, EventLogReader, Logger, TokenVerifier } from '../core/index.js';

export interface GatewayOptions {
  eventLog: EventLogReader;
  bus: EventBus;
  tokens: TokenVerifier;
  logger: Logger;
  nodeId: string;
  /** @default 30000 */
  heartbeatIntervalMs: number;
  /** @default 65536 */
  maxFrameBytes: number;
  /** @default 1048576 */
  maxSocketBufferBytes: number;
  /** @default 10 */
  gapGraceMs: number;
  /** Recent events per tenant kept in memory for replays. @default 256 */
  replayCacheEvents: number;
  /** How long a tenant's stream (and its replay cache) outlives its last socket. @default 30000 */
  streamLingerMs: number;
  /** Compare cursors with the log this often (0: never; a lossless in-process bus needs none). @default 2000 */
  headPollMs: number;
  /** Counts deliveries, slow-consumer closes and replays (the node's metrics). */
  observer?: GatewayObserver;
  /**
   * Presence and typing (#15): where `typing` frames' conversations are
   * checked. Without it the gateway sends no presence and ignores typing.
   */
  conversations?: ConversationLookup;
  /** How long a node's word on presence counts without a refresh. @default 30000 */
  presenceTtlMs?: number;
}

/** What the gateway reports as it works; called once per event or per socket event, never per frame. */
export interface GatewayObserver {
  /** One event handed to `sockets` sockets of this node; `publishedAt` from the publisher. */
  delivered(sockets: number, publishedAt: number | undefined): void;
  slowConsumer(): void;
  replayed(source: 'cache' | 'log', events: number): void;
}

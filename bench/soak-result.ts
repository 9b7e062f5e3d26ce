/** What the soak scenario (bench/scenario-soak.ts) finds, per mode: its samples and its totals. */
import type { NodeSample } from './lib/soak-sampler.js';
import type { Summary } from './lib/stats.js';

export interface SoakSample {
  /** Minutes since the soak started, at the end of the interval. */
  atMinutes: number;
  seconds: number;
  /** One per server process (node1, node2). */
  nodes: NodeSample[];
  /** Webhook → socket deliveries that arrived in the interval. */
  deliveries: number;
  latency: Pick<Summary, 'p50' | 'p99' | 'max'>;
  /** CPU of the sender and the receivers in the interval (is the load generator keeping up?). */
  clientCpuSeconds: number;
}

/** Per node: least-squares slopes over the second half, MiB per minute. */
export interface SoakSlope {
  node: string;
  rssMiBPerMin: number;
  heapLowMiBPerMin: number;
}

export interface SoakModeResult {
  label: string;
  nodes: string[];
  minutes: number;
  sampleSeconds: number;
  sockets: number;
  tenants: number;
  rate: number;
  samples: SoakSample[];
  /** The minutes (atMinutes) the slopes cover. */
  secondHalf: [number, number];
  slopes: SoakSlope[];
  webhooksSent: number;
  /** Answered "accepted" before the sender gave up (30 s after its last send). */
  webhooksAccepted: number;
  /** Accepted by the nodes' own count (newton_webhooks_total): what the deliveries are expected of. */
  webhooksAcceptedByNodes: number;
  httpErrors: number;
  expectedDeliveries: number;
  deliveries: number;
  missing: number;
  gaps: number;
  dupes: number;
  resyncs: number;
  unexpectedCloses: number;
  http: Summary;
  senderLagP99: number;
  serverCpuSeconds: number;
  clientCpuSeconds: number;
  dbCpuSeconds: number;
}
